"""Running the service: gunicorn serving, the demo, rate limits and security headers, the
request log and the storage-health record.
"""
