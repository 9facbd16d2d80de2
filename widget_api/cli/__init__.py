"""The `widget-api` command: a thin shell over the package's Python API.

`main` (main.py) is the group; staff, queue, faq, ops (serve, backup, restore, outbox, health)
and privacy (purge, gdpr, audit) each hold one family of commands, and common.py what they
share. Library errors become click.ClickException (a message and exit status 1), never a
traceback.
"""

from .main import main

__all__ = ["main"]
