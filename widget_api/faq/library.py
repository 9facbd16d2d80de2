"""The FAQ in service: one immutable snapshot at a time, swapped whole when the files change.

Each reload reads every file of the folder first (one snapshot of the folder), checks it, and
only then builds a complete new index and swaps it in with one assignment, so a request sees
either the old FAQ or the new one, never a mix. A broken edit is logged and refused; the last
good FAQ stays in service. The generation is a hash of the files' content, so every worker
process that loaded the same files names the same generation.

Building an index is most of the cost of loading (about 0.1 s for the sample FAQ, where reading
and hashing its files takes 1 ms), so the last few snapshots built in this process are kept by
folder and content hash: an app built again on files that did not change (every test's app on
the sample FAQ) shares the index instead of building its own. The files are still read and
hashed on every load, so a changed file is a new key and a fresh build; a snapshot is never
changed once built, so sharing one is safe.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from .check import check_faq
from .complete import CompletionTable
from .files import SYNONYMS_FILE, FaqFiles, faq_files, parse_faq_file
from .matcher import FaqIndex
from .model import FaqEntry
from .text import parse_synonyms

log = logging.getLogger(__name__)
# Reads of a folder that changed meanwhile, before a reload gives up until the next check.
READ_ATTEMPTS = 5
# Snapshots kept for reuse: (folder, content hash) -> snapshot, least recently used first.
# About 8 MB each for the sample FAQ. A service uses one folder, so after an edit this keeps
# only the version before it (in each worker process); tests mostly use the sample FAQ.
BUILT_KEPT = 2
_built: OrderedDict[tuple[str, str], FaqSnapshot] = OrderedDict()
_built_lock = threading.Lock()


@dataclass(frozen=True)
class FaqSnapshot:
    """One loaded FAQ: the index, the entries by id, and where it came from."""

    generation: str
    index: FaqIndex
    entries: dict[str, FaqEntry]
    loaded_at: datetime
    warnings: tuple[str, ...] = field(default=())
    completions: CompletionTable = field(default_factory=lambda: CompletionTable(()))


def _fingerprint(paths: list[Path]) -> tuple:
    fingerprint = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        # The inode too: a file replaced by a rename within one clock tick, at the same size,
        # keeps mtime and size.
        fingerprint.append((str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size))
    return tuple(fingerprint)


def _folder_paths(folder: Path) -> list[Path]:
    paths = faq_files(folder)
    synonyms = folder / SYNONYMS_FILE
    return [*paths, synonyms] if synonyms.is_file() else paths


def _read_folder(folder: Path) -> dict[Path, str] | None:
    """Every file's text as the folder held them at one moment; None if it never held still.

    Files are read one after another, so a change landing meanwhile (a `git pull` replacing
    file after file) could give old and new files together, a folder that never existed:
    tests/test_concurrency.py saw such generations. A read counts only when no file changed
    from before it to after it; else it is done again.
    """
    for attempt in range(READ_ATTEMPTS):
        if attempt:
            time.sleep(0.01 * attempt)
        paths = _folder_paths(folder)
        before = _fingerprint(paths)
        try:
            contents = {path: path.read_text(encoding="utf-8") for path in paths}
        except FileNotFoundError:  # removed since it was listed: a change, read again
            continue
        if _fingerprint(_folder_paths(folder)) == before:
            return contents
    return None


def build_snapshot(folder: Path) -> tuple[FaqSnapshot | None, list[str]]:
    """Read the folder once and build a snapshot; on errors return None and the messages.

    Files whose content was built into a snapshot lately (same folder, same hash) give that
    snapshot again, with this load's time; others are parsed, checked and indexed.
    """
    try:
        contents = _read_folder(folder)
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{folder}: cannot read the FAQ: {error}"]
    if contents is None:
        return None, [f"{folder}: the files kept changing while they were read"]
    digest = hashlib.sha256()
    for path, text in contents.items():
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + text.encode() + b"\0")
    # The folder too: entries and warnings name the files they came from.
    key = (str(folder), digest.hexdigest())
    with _built_lock:
        built = _built.get(key)
        if built is not None:
            _built.move_to_end(key)
    if built is not None:
        return replace(built, loaded_at=datetime.now(UTC)), []
    snapshot, errors = _build(folder, contents, generation=key[1][:12])
    if snapshot is not None:
        with _built_lock:
            _built[key] = snapshot
            while len(_built) > BUILT_KEPT:
                _built.popitem(last=False)
    return snapshot, errors


def _build(
    folder: Path, contents: dict[Path, str], generation: str
) -> tuple[FaqSnapshot | None, list[str]]:
    """Parse, check and index one read of the folder."""
    files = FaqFiles()
    for path, text in contents.items():
        if path.name == SYNONYMS_FILE and path.parent == folder:
            files.synonyms_text, files.synonyms_source = text, str(path)
            continue
        entries, problems = parse_faq_file(text, str(path))
        files.entries.extend(entries)
        files.problems.extend(problems)
    problems = check_faq(files)
    errors = [str(problem) for problem in problems if problem.severity == "error"]
    if errors:
        return None, errors
    index = FaqIndex(files.entries, synonyms=parse_synonyms(files.synonyms_text))
    snapshot = FaqSnapshot(
        generation=generation,
        index=index,
        entries={entry.id: entry for entry in files.entries},
        loaded_at=datetime.now(UTC),
        warnings=tuple(str(problem) for problem in problems),
        completions=CompletionTable.build(files.entries),
    )
    return snapshot, []


class FaqLibrary:
    """Serves the current FAQ snapshot and reloads it, at most every `reload_seconds`.

    `clock` (seconds, only differences count; default `time.monotonic`) decides when a check
    is due. Tests pass their own, so "the next request is past the interval" is a fact they
    set rather than a race against the machine's speed.
    """

    def __init__(
        self,
        folder: str | Path,
        reload_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = Path(folder)
        self.reload_seconds = reload_seconds
        self.clock = clock
        self.last_error: list[str] = []
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._fingerprint: tuple = ()
        self._snapshot = FaqSnapshot("empty", FaqIndex([]), {}, datetime.now(UTC))
        self.reload()

    def current(self) -> FaqSnapshot:
        """The snapshot to answer from; looks for changed files when it is time to."""
        due = self.clock() - self._checked_at >= self.reload_seconds
        # Only one thread reloads; the others go on answering from the current snapshot.
        if self.reload_seconds > 0 and due and self._lock.acquire(blocking=False):
            try:
                self._reload_if_changed()
            finally:
                self._lock.release()
        return self._snapshot

    def reload(self) -> bool:
        """Load the folder now; True when a new snapshot went into service."""
        with self._lock:
            return self._reload_if_changed(force=True)

    def _reload_if_changed(self, force: bool = False) -> bool:
        self._checked_at = self.clock()
        fingerprint = _fingerprint(_folder_paths(self.folder)) if self.folder.is_dir() else ()
        if not force and fingerprint == self._fingerprint:
            return False
        snapshot, errors = (
            build_snapshot(self.folder)
            if self.folder.is_dir()
            else (None, [f"{self.folder}: the FAQ folder does not exist"])
        )
        self._fingerprint = fingerprint
        if snapshot is None:
            self.last_error = errors
            log.error(
                "FAQ not reloaded, keeping generation %s: %s",
                self._snapshot.generation,
                "; ".join(errors[:20]),
            )
            return False
        self.last_error = []
        if snapshot.generation != self._snapshot.generation:
            self._snapshot = snapshot
            log.info(
                "FAQ generation %s in service: %d entries",
                snapshot.generation,
                len(snapshot.entries),
            )
        return True

    def status(self) -> dict:
        """What the health endpoint reports about the FAQ."""
        snapshot = self._snapshot
        return {
            "status": "error" if self.last_error else "ok",
            "entries": len(snapshot.entries),
            "generation": snapshot.generation,
            "loaded_at": snapshot.loaded_at.isoformat(timespec="seconds"),
            "errors": len(self.last_error),
        }
