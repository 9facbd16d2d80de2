"""The JSONL interchange form of an FAQ and of labelled question sets (see docs/faq-format.md).

One JSON object a line. FAQ lines: {"id", "question", "alternatives", "answer", "lang", "tags"};
question-set lines: {"text", "expected"} with expected null for "no entry answers this".
Unknown keys are ignored. Every problem is reported with the file and line it is on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .model import LANGUAGES, FaqEntry


class FaqFormatError(ValueError):
    """A file that cannot be read as FAQ content; the message names file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True)
class LabelledQuestion:
    """One question of an evaluation set; expected is None when nothing should answer it."""

    text: str
    expected: str | None


def _json_lines(path: Path) -> Iterable[tuple[int, dict]]:
    with path.open("rb") as lines:
        for number, raw_bytes in enumerate(lines, start=1):
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as error:
                raise FaqFormatError(
                    str(path), number, f"not UTF-8 text (byte {error.start + 1} of the line)"
                ) from None
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as error:
                raise FaqFormatError(str(path), number, f"not valid JSON ({error.msg})") from None
            except RecursionError:
                raise FaqFormatError(
                    str(path), number, "not valid JSON (nested too deeply)"
                ) from None
            if not isinstance(item, dict):
                raise FaqFormatError(str(path), number, "each line must be a JSON object")
            yield number, item


def _string_list(item: dict, key: str, source: str, line: int) -> tuple[str, ...]:
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FaqFormatError(source, line, f'"{key}" must be a list of strings')
    return tuple(v for v in value if v.strip())


def read_faq_jsonl(path: str | Path) -> list[FaqEntry]:
    """Read FAQ entries from a JSONL file, raising FaqFormatError at the first bad line."""
    path = Path(path)
    entries = []
    for line, item in _json_lines(path):
        for key in ("id", "question", "answer"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise FaqFormatError(str(path), line, f'"{key}" must be a non-empty string')
        lang = item.get("lang", "en")
        if lang not in LANGUAGES:
            raise FaqFormatError(str(path), line, f'"lang" must be one of {", ".join(LANGUAGES)}')
        entries.append(
            FaqEntry(
                id=item["id"],
                question=item["question"].strip(),
                answer=item["answer"],
                lang=lang,
                alternatives=_string_list(item, "alternatives", str(path), line),
                tags=_string_list(item, "tags", str(path), line),
                source=str(path),
                line=line,
            )
        )
    return entries


def write_faq_jsonl(entries: Iterable[FaqEntry], path: str | Path) -> int:
    """Write entries in the interchange form; returns how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for entry in entries:
            record = {
                "id": entry.id,
                "question": entry.question,
                "alternatives": list(entry.alternatives),
                "answer": entry.answer,
                "lang": entry.lang,
                "tags": list(entry.tags),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_labelled_questions(path: str | Path) -> list[LabelledQuestion]:
    """Read a labelled question set ({"text", "expected"} a line)."""
    path = Path(path)
    questions = []
    for line, item in _json_lines(path):
        text, expected = item.get("text"), item.get("expected")
        if not isinstance(text, str) or not text.strip():
            raise FaqFormatError(str(path), line, '"text" must be a non-empty string')
        if expected is not None and not isinstance(expected, str):
            raise FaqFormatError(str(path), line, '"expected" must be an entry id or null')
        questions.append(LabelledQuestion(text=text, expected=expected))
    return questions
