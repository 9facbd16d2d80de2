"""Backups of the SQLite database while the service runs, and a restore that checks first.

A backup is `VACUUM INTO` a temp file beside the target: one read transaction, so it is a
consistent snapshot even while workers write (WAL lets them go on), and a fresh file without
free pages, so text deleted before the backup is not carried along in them. The copy is
checked, fsynced and renamed into place, so PATH is never a half-written file.

A restore checks a copy of the file (`PRAGMA integrity_check`, our `_migrations` table, no
migration newer than this version knows) before it touches the live database, and refuses to
run while the service does: `widget-api serve` holds `<database>.lock`, and an open connection
of any other process is detected by an exclusive lock attempt. The checked copy then replaces
the database by a rename, and the old database's `-wal` and `-shm` files are removed so they
can never be applied to the restored one.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..privacy.private_files import make_private_dir
from .migrations import MIGRATIONS
from .sqlite import connect

SQLITE_HEADER = b"SQLite format 3\x00"
# How long restore waits for another process's lock before it calls the database in use.
LOCK_WAIT_MS = 500


class BackupFailed(RuntimeError):
    """No backup was written; the message says why."""


class RestoreRefused(RuntimeError):
    """Nothing was restored and the live database is as it was; the message says why."""


@dataclass(frozen=True)
class BackupInfo:
    """What a checked backup holds: its file, size and the schema steps applied to it."""

    path: Path
    size: int
    migrations: list[str]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_beside(target: Path) -> Path:
    """An empty private (0600) file in target's folder, so a rename onto target is atomic."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    return Path(name)


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def check_database_file(path: Path) -> list[str]:
    """Check one database file in place; returns its applied migrations, raises RestoreRefused.

    Opens the file read-write (SQLite may roll back a hot journal), so call it on a copy.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise RestoreRefused(f"{path}: cannot be read: {error.strerror}") from None
    if header != SQLITE_HEADER:
        raise RestoreRefused(f"{path}: not an SQLite database")
    try:
        with connect(path) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check(20)")]
            if problems != ["ok"]:
                shown = "; ".join(problems[:3])
                raise RestoreRefused(f"{path}: the database is damaged ({shown})")
            if not db["_migrations"].exists():
                raise RestoreRefused(f"{path}: not a widget-api database (no _migrations table)")
            applied = [
                row["name"] for row in db["_migrations"].rows_where(select="name", order_by="name")
            ]
    except sqlite3.DatabaseError as error:
        raise RestoreRefused(f"{path}: the database is damaged ({error})") from None
    unknown = sorted(set(applied) - {name for name, _ in MIGRATIONS})
    if unknown:
        raise RestoreRefused(
            f"{path}: made by a newer widget-api (schema steps {', '.join(unknown)}); "
            "upgrade before restoring it"
        )
    return applied


def make_backup(database: Path, target: Path, force: bool = False) -> BackupInfo:
    """Write a consistent, checked copy of `database` to `target` (a file or a folder).

    A folder gets `widget-api-<UTC time>.sqlite3`. An existing file is replaced only with
    `force`. Raises BackupFailed.
    """
    if not database.is_file():
        raise BackupFailed(f"no database at {database}")
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = target / f"widget-api-{stamp}.sqlite3"
    if target.exists() and not force:
        raise BackupFailed(f"{target} exists; choose another path or use --force")
    if not target.parent.is_dir():
        raise BackupFailed(f"folder {target.parent} does not exist")
    if target.resolve() == database.resolve():
        raise BackupFailed("the backup cannot replace the database itself")
    temp = _temp_beside(target)
    try:
        with connect(database) as db:
            db.execute("VACUUM INTO ?", [str(temp)])
        migrations = check_database_file(temp)
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    except (sqlite3.Error, OSError, RestoreRefused) as error:
        raise BackupFailed(f"backup of {database} failed: {error}") from None
    finally:
        _remove(temp)
    return BackupInfo(target, target.stat().st_size, migrations)


def check_backup(source: Path) -> BackupInfo:
    """Check a backup on a private copy, leaving the file itself untouched."""
    if not source.is_file():
        raise RestoreRefused(f"no file at {source}")
    with tempfile.TemporaryDirectory(prefix="widget-api-check-") as folder:
        copy = Path(folder) / "check.sqlite3"
        _copy(source, copy)
        migrations = check_database_file(copy)
    return BackupInfo(source, source.stat().st_size, migrations)


def _copy(source: Path, target: Path) -> None:
    if Path(f"{source}-wal").exists():
        raise RestoreRefused(
            f"{source} has a -wal file beside it: it is a database in use, not a backup; "
            "make one with 'widget-api backup'"
        )
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)


def _lock_out_service(database: Path) -> int:
    """Take `<database>.lock` exclusively (no `widget-api serve` runs or starts); returns its fd."""
    lock = Path(f"{database}.lock")
    # Read-only and 0644, so the service's user can still open a lock file root created.
    fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RestoreRefused(
            "the service is running (widget-api serve holds "
            f"{lock}); stop it first, e.g. 'systemctl stop widget-api'"
        ) from None
    return fd


def _ensure_unused(database: Path) -> None:
    """Refuse when any process has the live database open (WAL connections hold a lock)."""
    if not database.exists():
        return
    db = None
    try:
        db = connect(database, busy_timeout_ms=LOCK_WAIT_MS)
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        db.execute("BEGIN EXCLUSIVE")
        db.execute("ROLLBACK")
    except sqlite3.OperationalError:
        raise RestoreRefused(
            f"{database} is in use by another process; stop the service first"
        ) from None
    except sqlite3.DatabaseError:
        pass  # a damaged live database is what restores are for; it is replaced
    finally:
        # The last connection's close checkpoints and deletes the old -wal file.
        if db is not None:
            db.close()


def _keep_owner_and_mode(database: Path, temp: Path) -> None:
    """Give the restored file the live one's mode and (when run as root) owner.

    Otherwise a restore run as root would leave a file the service's user cannot write.
    """
    if not database.exists():
        return
    status = database.stat()
    os.chmod(temp, stat.S_IMODE(status.st_mode))
    if os.geteuid() == 0:
        os.chown(temp, status.st_uid, status.st_gid)


def restore_backup(source: Path, database: Path) -> BackupInfo:
    """Replace the live database with a checked copy of `source`; raises RestoreRefused.

    Everything that can fail happens before the rename; the rename itself is atomic.
    """
    if not source.is_file():
        raise RestoreRefused(f"no file at {source}")
    make_private_dir(database.parent)
    temp = _temp_beside(database)
    lock_fd = None
    try:
        _copy(source, temp)
        migrations = check_database_file(temp)
        _keep_owner_and_mode(database, temp)
        _fsync(temp)
        lock_fd = _lock_out_service(database)
        _ensure_unused(database)
        os.replace(temp, database)
        for suffix in ("-wal", "-shm", "-journal"):
            with suppress(FileNotFoundError):
                os.remove(f"{database}{suffix}")
        _fsync(database.parent)
    except OSError as error:
        raise RestoreRefused(f"restore of {source} failed: {error}") from None
    finally:
        _remove(temp)
        if lock_fd is not None:
            os.close(lock_fd)
    return BackupInfo(database, database.stat().st_size, migrations)
