"""Folders and files that hold personal data or secrets: created private, whatever the umask.

The database (with its `-wal` and `-shm` files), the instance folder, `config.toml` and a
GDPR export hold visitors' messages, addresses or passwords. What the service creates itself is
owner-only (folders 0700, files 0600) with an explicit chmod right after creation, so a
permissive umask (0000, 0002) cannot widen it. What exists already is the operator's: it is
never loosened, and only a file we are about to overwrite with personal data is narrowed.
SQLite gives a database's `-wal` and `-shm` files the mode of the database file itself, so
creating the (empty) database file 0600 before SQLite opens it makes all three private.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

log = logging.getLogger(__name__)


def make_private_dir(path: str | Path) -> None:
    """Create `path` and any missing parents 0700; folders that exist are left as they are."""
    path = Path(path)
    missing = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # another worker process made it meanwhile: theirs is private too
        os.chmod(folder, PRIVATE_DIR_MODE)


def create_private_file(path: str | Path) -> bool:
    """Create `path` empty with mode 0600 (its folder 0700 if missing); False if it exists.

    O_EXCL: of several processes starting together exactly one creates it, and an existing
    file (with whatever mode the operator gave it) is never touched.
    """
    path = Path(path)
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return True


def open_private_for_writing(path: str | Path) -> int:
    """Open `path` to be overwritten with personal data; returns a file descriptor.

    A new file is 0600. An existing regular file loses every permission beyond the owner's
    read and write (0644 becomes 0600, 0640 becomes 0600, 0400 stays 0400) before a byte is
    written, so an export does not inherit a world-readable mode from the file it replaces.
    Devices and pipes (`/dev/stdout`) are written as they are.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    try:
        status = os.fstat(fd)
        if stat.S_ISREG(status.st_mode):
            os.fchmod(fd, stat.S_IMODE(status.st_mode) & PRIVATE_FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def warn_if_readable_by_others(path: str | Path) -> None:
    """Log a warning when an existing file or folder can be read by other users of the server.

    Files made by an earlier version (or by hand) keep their mode; this says how to fix it.
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return
    if mode & 0o007:
        log.warning(
            "%s has mode %04o: other users of this server can read it; "
            "'chmod o-rwx %s' makes it private (see docs/security.md)",
            path,
            mode,
            path,
        )
