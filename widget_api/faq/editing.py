"""Changing one FAQ entry in its Markdown file, for the staff area's editor (no Flask).

The files stay the one source of truth, so a save touches exactly one entry's lines (found as
the reader finds them, `files.entry_spans`) and leaves every other byte of the file as it was:
a `git diff` shows what the editor changed and nothing else. Before anything is written, the
whole folder as it would be after the change goes through the checker of `widget-api faq
check`; an error refuses the save, warnings are returned. A save is refused too when the file
is no longer what the editor opened (someone pushed with git meanwhile): the caller passes
the hash of the content it showed, and the comparison and the write happen under a lock on
the file. The file is replaced atomically (a temp file in the same folder, fsync, rename), so
a reader, the service's reload or a crash sees the old file or the new one, never a mix.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from .check import check_path
from .files import entry_spans, entry_to_markdown, faq_files, front_matter, parse_faq_file
from .model import FaqEntry

# Limits of what the editor writes; the form states them and `entry_problems` checks them.
# An answer of 20,000 characters is pages of text: an FAQ answer that long helps nobody in a
# widget, and a limit keeps one form post from growing a file without end.
MAX_ANSWER_LENGTH = 20_000
MAX_PHRASING_LENGTH = 500
MAX_PHRASINGS = 50
MAX_TAG_LENGTH = 64
MAX_ID_LENGTH = 100
# A new or changed id is a slug: it names the entry in URLs, statistics and (in git) commit
# messages, so no '/', no '..', nothing a path could be built from. Ids already in the files
# may use '/' (docs/faq-format.md) and keep working as long as they are not changed.
SAFE_ID = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.))*\Z")
_LOCK_ATTEMPTS = 50


class EditRefused(ValueError):
    """The change was not written: `reason` (a text key with `values`) or checker `problems`."""

    def __init__(
        self, reason: str = "", problems: list[str] | None = None, **values: object
    ) -> None:
        super().__init__(reason or "; ".join(problems or []))
        self.reason = reason
        self.values = values
        self.problems = problems or []


class FileConflict(EditRefused):
    """The file changed on disk since the editor opened it; `disk_text` is what it holds now."""

    def __init__(self, disk_text: str, disk_hash: str) -> None:
        super().__init__("faq_conflict")
        self.disk_text = disk_text
        self.disk_hash = disk_hash


class EntryNotFound(LookupError):
    """No entry with this id in the FAQ folder (or in the file named)."""


@dataclass(frozen=True)
class OpenedEntry:
    """An entry as its file holds it now, with what a later save must send back.

    `entry.tags` are the entry's own (its `tags:` line); `file_tags` come from the file's
    front matter and are not written into the entry. `markdown` is the entry's text on disk.
    """

    relative: str
    file_hash: str
    entry: FaqEntry
    file_tags: tuple[str, ...]
    markdown: str


@dataclass(frozen=True)
class WriteResult:
    """A written change: the file's new hash and the checker's warnings for that file."""

    relative: str
    file_hash: str
    warnings: list[str] = field(default_factory=list)
    old_markdown: str = ""


def content_hash(data: bytes) -> str:
    """The hash a save must present to prove it saw the file's current content."""
    return hashlib.sha256(data).hexdigest()


def is_safe_id(entry_id: str) -> bool:
    """True for an id the editor may create: a slug of letters, digits, '-', '_', single '.'."""
    return len(entry_id) <= MAX_ID_LENGTH and bool(SAFE_ID.match(entry_id))


def entry_problems(entry: FaqEntry, old_id: str | None) -> list[tuple[str, dict]]:
    """What is wrong with an entry from the form before the checker sees it, as text keys
    with their values; empty when nothing is."""
    problems: list[tuple[str, dict]] = []
    if entry.id != old_id and not is_safe_id(entry.id):
        problems.append(("faq_id_unsafe", {"max": MAX_ID_LENGTH}))
    if not entry.question.strip():
        problems.append(("faq_question_missing", {}))
    if not entry.answer.strip():
        problems.append(("faq_answer_missing", {}))
    if len(entry.answer) > MAX_ANSWER_LENGTH:
        problems.append(("faq_answer_too_long", {"max": MAX_ANSWER_LENGTH}))
    if len(entry.alternatives) + 1 > MAX_PHRASINGS:
        problems.append(("faq_too_many_phrasings", {"max": MAX_PHRASINGS}))
    if any(len(text) > MAX_PHRASING_LENGTH for text in entry.phrasings):
        problems.append(("faq_phrasing_too_long", {"max": MAX_PHRASING_LENGTH}))
    if any(len(tag) > MAX_TAG_LENGTH for tag in entry.tags):
        problems.append(("faq_tag_too_long", {"max": MAX_TAG_LENGTH}))
    return problems


def files_of_language(folder: Path, lang: str) -> list[str]:
    """The FAQ files (relative paths) whose front matter says `lang`: where a new entry may go."""
    found = []
    for path in faq_files(folder):
        with suppress(OSError, UnicodeDecodeError):
            if front_matter(path.read_text(encoding="utf-8")).get("lang") == lang:
                found.append(path.relative_to(folder).as_posix())
    return found


def _faq_file(folder: Path, relative: str) -> Path:
    """The FAQ file `relative` names, as the reader lists it; refused for anything else
    (a path out of the folder, a file that is not an FAQ file)."""
    for path in faq_files(folder):
        if path.relative_to(folder).as_posix() == relative:
            return path
    raise EditRefused("faq_no_such_file")


def open_entry(folder: Path, entry_id: str) -> OpenedEntry:
    """Find an entry in the folder's files as they are on disk now; raises EntryNotFound."""
    for path in faq_files(folder):
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        with suppress(EntryNotFound):
            return open_entry_in(folder, path, text, entry_id)
    raise EntryNotFound(entry_id)


def _opened(folder: Path, path: Path, text: str, entry: FaqEntry) -> OpenedEntry:
    file_tags = tuple(
        tag.strip() for tag in front_matter(text).get("tags", "").split(",") if tag.strip()
    )
    own_tags = tuple(tag for tag in entry.tags if tag not in file_tags)
    start, end = _span_of(text, entry)
    lines = text.splitlines(keepends=True)
    return OpenedEntry(
        relative=path.relative_to(folder).as_posix(),
        file_hash=content_hash(text.encode("utf-8")),
        entry=replace(entry, tags=own_tags),
        file_tags=file_tags,
        markdown="".join(lines[start:end]).strip() + "\n",
    )


def _span_of(text: str, entry: FaqEntry) -> tuple[int, int]:
    for start, end in entry_spans(text):
        if start + 1 == entry.line:
            return start, end
    raise EntryNotFound(entry.id)


def _changed_text(text: str, old_id: str | None, new_entry: FaqEntry | None, source: str) -> str:
    """`text` with one entry replaced, inserted (old_id None) or deleted (new_entry None)."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    written = entry_to_markdown(new_entry).replace("\n", newline) if new_entry else ""
    if old_id is None:
        separator = "" if not text or text.endswith(newline * 2) else newline
        if text and not text.endswith(("\n", "\r")):
            separator = newline * 2
        return text + separator + written
    entries, _ = parse_faq_file(text, source)
    old = next((entry for entry in entries if entry.id == old_id), None)
    if old is None:
        raise EntryNotFound(old_id)
    start, end = _span_of(text, old)
    if new_entry is None:
        return "".join(lines[:start] + lines[end:])
    # Keep the blank lines that separated the old entry from the next one as they were.
    content_end = end
    while content_end > start + 1 and not lines[content_end - 1].strip():
        content_end -= 1
    return "".join(lines[:start]) + written + "".join(lines[content_end:end] + lines[end:])


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file at `path` (the inode it names now, not one a rename
    replaced while we waited), so two saves to one file cannot both pass the hash check."""
    for _ in range(_LOCK_ATTEMPTS):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                current = os.fstat(descriptor).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                current = False
            if current:
                yield
                return
        finally:
            os.close(descriptor)  # closing releases the lock
    raise EditRefused("faq_busy")


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically: temp file beside it, fsync, rename, fsync the folder.

    The temp file starts with '.' and ends in '.tmp', so the FAQ reader never lists it; it is
    removed if anything fails before the rename. The file keeps its permission bits.
    """
    mode = stat.S_IMODE(path.stat().st_mode)
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_entry(
    folder: Path,
    relative: str,
    expected_hash: str,
    old_id: str | None,
    new_entry: FaqEntry | None,
) -> WriteResult:
    """Replace entry `old_id` of file `relative` by `new_entry`, insert it (old_id None) or
    delete it (new_entry None), if the file still has the content hashed `expected_hash` and
    the folder passes the checker afterwards.

    Raises FileConflict, EntryNotFound, or EditRefused (with the checker's errors).
    """
    folder = Path(folder)
    if new_entry is not None:
        problems = entry_problems(new_entry, old_id)
        if problems:
            key, values = problems[0]
            raise EditRefused(key, **values)
    path = _faq_file(folder, relative)
    with _locked(path):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise EditRefused("faq_not_utf8") from error
        if content_hash(data) != expected_hash:
            raise FileConflict(text, content_hash(data))
        old_markdown = ""
        if old_id is not None:
            old_markdown = open_entry_in(folder, path, text, old_id).markdown
        changed = _changed_text(text, old_id, new_entry, str(path))
        _, problems = check_path(folder, texts={path: changed})
        errors = [str(problem) for problem in problems if problem.severity == "error"]
        if errors:
            raise EditRefused(problems=errors)
        new_data = changed.encode("utf-8")
        replace_file(path, new_data)
    warnings = [str(p) for p in problems if p.severity != "error" and p.source == str(path)]
    return WriteResult(relative, content_hash(new_data), warnings, old_markdown)


def open_entry_in(folder: Path, path: Path, text: str, entry_id: str) -> OpenedEntry:
    """The entry `entry_id` of one file's `text`; raises EntryNotFound."""
    entries, _ = parse_faq_file(text, str(path))
    for entry in entries:
        if entry.id == entry_id:
            return _opened(folder, path, text, entry)
    raise EntryNotFound(entry_id)
