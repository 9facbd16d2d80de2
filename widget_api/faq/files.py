"""Reading the editor-facing FAQ files (docs/faq-format.md) into entries, with every problem.

Nothing here raises on bad content: every problem becomes a `Problem` with file and line, so the
checker can list them all at once and the service can refuse a broken edit while it keeps the
last good FAQ in service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .model import LANGUAGES, FaqEntry
from .render import render_answer

ID_PATTERN = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_./-]*\Z")
# A line starting with this starts an entry (its question); nothing else in a file does.
ENTRY_HEADING = "## "
_FRONT_MATTER_KEYS = {"lang", "tags"}
_ENTRY_KEYS = {"id", "alt", "tags", "counterpart"}
_KEY_LINE = re.compile(r"\A([A-Za-z_]+):(.*)\Z")
SYNONYMS_FILE = "synonyms.txt"


@dataclass(frozen=True)
class Problem:
    """Something wrong in an FAQ file; errors stop the FAQ from loading, warnings do not."""

    source: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.source}:{self.line}: {prefix}{self.message}"


@dataclass
class FaqFiles:
    """What one read of an FAQ folder produced."""

    entries: list[FaqEntry] = field(default_factory=list)
    synonyms_text: str = ""
    synonyms_source: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]


def faq_files(path: Path) -> list[Path]:
    """The Markdown files a folder (or a single file) contributes, in a stable order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.md") if p.is_file() and not p.name.startswith("."))


def _split_tags(value: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in value.split(",") if tag.strip())


def _parse_front_matter(
    lines: list[str], source: str, problems: list[Problem]
) -> tuple[dict[str, str], int]:
    """Read the block between the leading `---` lines; return its keys and the next line index."""
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(
                source,
                1,
                "missing front matter: the file must start with "
                "'---', then 'lang: de' or 'lang: en', then '---'",
            )
        )
        return {}, 0
    meta: dict[str, str] = {}
    for index in range(1, len(lines)):
        text = lines[index].strip()
        if text == "---":
            return meta, index + 1
        if not text or text.startswith("#"):
            continue
        match = _KEY_LINE.match(text)
        if not match or match.group(1).lower() not in _FRONT_MATTER_KEYS:
            problems.append(
                Problem(
                    source,
                    index + 1,
                    f"broken front matter: {text!r} (allowed"
                    f" keys: {', '.join(sorted(_FRONT_MATTER_KEYS))})",
                )
            )
            continue
        meta[match.group(1).lower()] = match.group(2).strip()
    problems.append(Problem(source, 1, "broken front matter: no closing '---' line"))
    return meta, len(lines)


def parse_faq_file(text: str, source: str) -> tuple[list[FaqEntry], list[Problem]]:
    """Parse one FAQ Markdown file; entries with errors are left out and reported."""
    problems: list[Problem] = []
    lines = text.splitlines()
    meta, index = _parse_front_matter(lines, source, problems)
    lang = meta.get("lang", "")
    if meta and lang not in LANGUAGES:
        problems.append(
            Problem(source, 2, f"unknown language {lang!r}: use {' or '.join(LANGUAGES)}")
        )
    file_tags = _split_tags(meta.get("tags", ""))

    headings = _entry_starts(lines, index)
    if not headings and not problems:
        problems.append(
            Problem(
                source, max(index, 1), "no entries: an entry starts with a '## Question' heading"
            )
        )
    entries = []
    for number, start in enumerate(headings):
        end = headings[number + 1] if number + 1 < len(headings) else len(lines)
        entry = _parse_entry(lines, start, end, source, lang, file_tags, problems)
        if entry is not None and lang in LANGUAGES:
            entries.append(entry)
    return entries, problems


def front_matter(text: str) -> dict[str, str]:
    """The front matter's keys of a file's text ({} when it has none)."""
    meta, _ = _parse_front_matter(text.splitlines(), "", [])
    return meta


def _entry_starts(lines: list[str], index: int) -> list[int]:
    """The line indices (from `index`, after the front matter) where entries start."""
    return [i for i in range(index, len(lines)) if lines[i].startswith(ENTRY_HEADING)]


def entry_spans(text: str) -> list[tuple[int, int]]:
    """Each entry's lines in `text` as (first, end) indices of `text.splitlines()`, end
    excluded: from its heading to the next entry's heading or the end of the file.

    The editor replaces exactly these lines, so it finds entries as the reader does;
    `splitlines(keepends=True)` has the same lines, so every other byte stays as it was.
    """
    lines = text.splitlines()
    _, index = _parse_front_matter(lines, "", [])
    starts = _entry_starts(lines, index)
    return list(zip(starts, [*starts[1:], len(lines)], strict=True))


def _parse_entry(
    lines: list[str],
    start: int,
    end: int,
    source: str,
    lang: str,
    file_tags: tuple[str, ...],
    problems: list[Problem],
) -> FaqEntry | None:
    """One `## ` section: heading, `key: value` lines, a blank line, the answer."""
    line_no = start + 1
    question = lines[start][3:].strip()
    entry_id, alternatives, tags, ok = "", [], list(file_tags), True
    counterpart = ""
    if not question:
        problems.append(Problem(source, line_no, "empty question: write the question after '## '"))
        ok = False
    cursor = start + 1
    while cursor < end and lines[cursor].strip():
        text = lines[cursor].strip()
        match = _KEY_LINE.match(text)
        key = match.group(1).lower() if match else ""
        if key not in _ENTRY_KEYS:
            problems.append(
                Problem(
                    source,
                    cursor + 1,
                    f"unknown line {text!r} below the "
                    "question: use 'id:', 'alt:', 'tags:' or 'counterpart:', then a blank "
                    "line "
                    "before the answer",
                )
            )
            ok = False
        else:
            value = match.group(2).strip()
            if key == "id":
                entry_id = value
            elif key == "alt":
                if value:
                    alternatives.append(value)
                else:
                    problems.append(
                        Problem(source, cursor + 1, "empty alternative after 'alt:'", "warning")
                    )
            elif key == "counterpart":
                counterpart = _counterpart(value, source, cursor + 1, problems)
            else:
                tags.extend(_split_tags(value))
        cursor += 1
    if not entry_id:
        problems.append(Problem(source, line_no, f"entry {question!r} has no 'id:' line"))
        ok = False
    elif not ID_PATTERN.match(entry_id):
        problems.append(
            Problem(
                source,
                line_no,
                f"id {entry_id!r} may only use letters, digits, '-', '_', '.' and '/'",
            )
        )
        ok = False
    answer = "\n".join(lines[cursor:end]).strip()
    if not answer:
        problems.append(Problem(source, line_no, f"entry {entry_id or question!r} has no answer"))
        ok = False
    if not ok:
        return None
    html, removed = render_answer(answer)
    for part in removed:
        problems.append(
            Problem(
                source,
                line_no,
                f"entry {entry_id!r}: unsafe HTML removed from the answer: {part}",
                "warning",
            )
        )
    if not html:
        problems.append(
            Problem(
                source,
                line_no,
                f"entry {entry_id!r}: the answer is empty once unsafe HTML is removed",
            )
        )
        return None
    return FaqEntry(
        id=entry_id,
        question=question,
        answer=answer,
        lang=lang,
        alternatives=tuple(alternatives),
        tags=tuple(dict.fromkeys(tags)),
        html=html,
        source=source,
        line=line_no,
        counterpart=counterpart,
    )


def _counterpart(value: str, source: str, line: int, problems: list[Problem]) -> str:
    """The id after `counterpart:`, or "" (with a warning) when it cannot be an id.

    Only a warning: a broken link between languages must not take the FAQ out of service.
    """
    if ID_PATTERN.match(value):
        return value
    problems.append(Problem(source, line, f"counterpart {value!r} is not an FAQ id", "warning"))
    return ""


def read_faq_folder(
    path: str | Path,
    files: Iterable[Path] | None = None,
    texts: Mapping[Path, str] | None = None,
) -> FaqFiles:
    """Read every FAQ file below `path` (or the file itself) and the synonyms file.

    `texts` gives some files' text instead of what is on disk: the FAQ editor checks the
    folder as it would be after a change before it writes anything.
    """
    path = Path(path)
    result = FaqFiles()
    if not path.exists():
        result.problems.append(Problem(str(path), 0, "no such file or folder"))
        return result
    for file in files if files is not None else faq_files(path):
        text = texts[file] if texts and file in texts else _read_text(file, result.problems)
        if text is None:
            continue
        entries, problems = parse_faq_file(text, str(file))
        result.entries.extend(entries)
        result.problems.extend(problems)
    synonyms = (path if path.is_dir() else path.parent) / SYNONYMS_FILE
    if synonyms.is_file():
        text = _read_text(synonyms, result.problems)
        if text is not None:
            result.synonyms_text, result.synonyms_source = text, str(synonyms)
    return result


def _read_text(file: Path, problems: list[Problem]) -> str | None:
    """The file's UTF-8 text; or None, with the problem added (a bad byte's line named)."""
    try:
        data = file.read_bytes()
    except OSError as error:
        problems.append(Problem(str(file), 0, f"cannot read the file: {error}"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(str(file), line, "not UTF-8 text: save the file as UTF-8"))
        return None


def one_line(text: str) -> str:
    """`text` for a one-line place (heading, `id:`, `alt:`, `tags:`): every line break that
    the reader knows (those of str.splitlines, \\r and U+2028 among them) becomes a space, so
    the text cannot go on to a line of its own, where it could be a key or an entry."""
    return " ".join(text.splitlines()).strip()


def answer_lines(text: str) -> str:
    """An answer as file text, with no line that the reader would take for a new entry.

    A line starting with `## ` gets one leading space: Markdown still reads it as the same
    heading (up to three spaces may precede one), `parse_faq_file` no longer sees an entry.
    Line breaks become `\\n`, as the reader splits them anyway.
    """
    return "\n".join(
        f" {line}" if line.startswith(ENTRY_HEADING) else line for line in text.strip().splitlines()
    )


def entry_to_markdown(entry: FaqEntry) -> str:
    """One entry in the file format, for export from JSONL and for drafts written out.

    Every text goes through `one_line` or `answer_lines`, whoever wrote it (a visitor's
    question becomes a draft's heading), so the file reads back as exactly this one entry.
    """
    lines = [f"{ENTRY_HEADING}{one_line(entry.question)}", f"id: {one_line(entry.id)}"]
    alternatives = [one_line(alternative) for alternative in entry.alternatives]
    lines += [f"alt: {alternative}" for alternative in alternatives if alternative]
    if entry.tags:
        lines.append(f"tags: {', '.join(one_line(tag) for tag in entry.tags)}")
    if entry.counterpart:
        lines.append(f"counterpart: {one_line(entry.counterpart)}")
    return "\n".join(lines) + "\n\n" + answer_lines(entry.answer) + "\n"


def entries_to_file(entries: Iterable[FaqEntry], lang: str) -> str:
    """A whole FAQ file (front matter and entries) for entries of one language."""
    body = "\n".join(entry_to_markdown(entry) for entry in entries)
    return f"---\nlang: {lang}\n---\n\n{body}"
