"""Telling people: the staff e-mail and webhook, the visitor's reply mail, and the sender
thread that delivers what the outbox holds.
"""
