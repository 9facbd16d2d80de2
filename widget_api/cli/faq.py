"""`widget-api faq ...`: the editors' tools, a thin shell over the FAQ package.

Check, evaluate, tune, import, export, drafts and gaps. FAQ and JSONL problems become
click.ClickException (file:line: message, exit status 1), never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import click

from .. import settings
from ..faq.check import check_path
from ..faq.files import ID_PATTERN, answer_lines, entries_to_file, one_line, read_faq_folder
from ..faq.jsonl import FaqFormatError, read_faq_jsonl, read_labelled_questions, write_faq_jsonl
from ..faq.matcher import FaqIndex
from ..faq.model import FaqEntry
from ..faq.text import parse_synonyms
from ..store.sqlite import MAX_INTEGER, days_ago
from .common import load_config, open_database, record_audit, since_option

faq_path_option = click.option(
    "--faq",
    "faq_path",
    type=click.Path(path_type=Path),
    help="FAQ folder or JSONL file (default: the configured FAQ).",
)
# A draft id SQLite can store; a larger number is refused by click, not a traceback.
draft_id_type = click.IntRange(1, MAX_INTEGER)


def queries_option(help_text: str):
    """`--queries FILE`: the labelled questions (JSONL) a command measures or tunes on."""
    return click.option(
        "--queries", required=True, type=click.Path(exists=True, path_type=Path), help=help_text
    )


max_wrong_option = click.option(
    "--max-wrong",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Largest share of the answers given that may be wrong when thresholds are chosen.",
)


def _configured_faq_dir() -> Path:
    return Path(settings.faq_folder(load_config()))


def _load_entries(path: Path) -> tuple[list[FaqEntry], list[tuple[str, ...]]]:
    """Entries and synonyms from a folder of FAQ files or a JSONL file; errors stop the command."""
    if not path.exists():
        raise click.ClickException(f"{path}: no such file or folder")
    if path.is_file() and path.suffix == ".jsonl":
        try:
            return read_faq_jsonl(path), []
        except FaqFormatError as error:
            raise click.ClickException(str(error)) from None
    files, problems = check_path(path)
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        for problem in errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(errors)} error(s) in {path}; run 'widget-api faq check'")
    return files.entries, parse_synonyms(files.synonyms_text)


@click.group()
def faq() -> None:
    """Editors' tools: check, evaluate, import and export the FAQ."""


@faq.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def faq_check(path: Path | None) -> None:
    """Check FAQ files; prints every problem as file:line: message."""
    path = path or _configured_faq_dir()
    files, problems = check_path(path)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    click.echo(
        f"{len(files.entries)} entries checked: {errors} error(s), {warnings} warning(s)",
        err=True,
    )
    if errors:
        sys.exit(1)


def _read_questions(path: Path):
    try:
        return read_labelled_questions(path)
    except FaqFormatError as error:
        raise click.ClickException(str(error)) from None


@faq.command("eval")
@faq_path_option
@queries_option('Labelled questions, JSONL: {"text", "expected"} a line.')
@click.option(
    "--tune-on",
    type=click.Path(exists=True, path_type=Path),
    help="Choose the thresholds on this labelled set for this run only.",
)
@max_wrong_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def faq_eval(
    faq_path: Path | None, queries: Path, tune_on: Path | None, max_wrong: float, as_json: bool
) -> None:
    """Measure how well the FAQ answers a labelled question set."""
    from ..faq.evaluate import evaluate, format_report, tune_thresholds

    entries, synonyms = _load_entries(faq_path or _configured_faq_dir())
    questions = _read_questions(queries)
    index = FaqIndex(entries, synonyms=synonyms)
    if tune_on:
        thresholds = tune_thresholds(index, _read_questions(tune_on), max_wrong=max_wrong)
    else:
        thresholds = settings.configured_thresholds(load_config())
    result = evaluate(index, questions, thresholds, max_wrong=max_wrong)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(format_report(result))


@faq.command("tune")
@faq_path_option
@queries_option("Labelled questions to choose the thresholds on.")
@max_wrong_option
@click.option("--write", is_flag=True, help="Store the thresholds in the instance config.toml.")
def faq_tune(faq_path: Path | None, queries: Path, max_wrong: float, write: bool) -> None:
    """Choose the answer and suggestion thresholds from a labelled question set."""
    from ..faq.evaluate import tune_thresholds

    entries, synonyms = _load_entries(faq_path or _configured_faq_dir())
    index = FaqIndex(entries, synonyms=synonyms)
    chosen = tune_thresholds(index, _read_questions(queries), max_wrong=max_wrong)
    values = {
        "ANSWER_THRESHOLD": round(chosen.answer, 4),
        "ANSWER_MARGIN": round(chosen.margin, 4),
        "SUGGEST_THRESHOLD": round(chosen.suggest, 4),
    }
    for name, value in values.items():
        click.echo(f"{name} = {value}")
    if write:
        instance = settings.resolve_instance_path()
        for name, value in values.items():
            path = settings.write_setting(instance, name, value)
        record_audit(open_database(), "settings.changed", **values)
        click.echo(f"written to {path}; the service uses them after a restart", err=True)


@faq.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--faq",
    "faq_path",
    type=click.Path(path_type=Path),
    help="FAQ folder (default: the configured FAQ).",
)
def faq_export(out: Path, faq_path: Path | None) -> None:
    """Write the FAQ as JSONL, one entry a line."""
    entries, _ = _load_entries(faq_path or _configured_faq_dir())
    count = write_faq_jsonl(entries, out)
    click.echo(f"{count} entries written to {out}")


@faq.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write FAQ files into (one file per language).",
)
@click.option("--name", default="imported", show_default=True, help="File name, without .md.")
def faq_import(source: Path, target: Path, name: str) -> None:
    """Turn a JSONL file into FAQ Markdown files that `faq check` accepts."""
    try:
        entries = read_faq_jsonl(source)
    except FaqFormatError as error:
        raise click.ClickException(str(error)) from None
    by_lang: dict[str, list[FaqEntry]] = defaultdict(list)
    for entry in entries:
        if not ID_PATTERN.match(entry.id):
            raise click.ClickException(
                f"{entry.source}:{entry.line}: id {entry.id!r} cannot be an FAQ file id: use "
                "letters, digits, '-', '_', '.' and '/'; nothing was written"
            )
        by_lang[entry.lang].append(entry)
    for entry in entries:
        rewritten = _rewritten_fields(entry)
        if rewritten:
            click.echo(
                f"{entry.source}:{entry.line}: warning: {', '.join(rewritten)} rewritten so "
                "that no line of it can start an entry or a key line",
                err=True,
            )
    written = []
    for lang, items in sorted(by_lang.items()):
        path = target / lang / f"{name}.md"
        if path.exists():
            raise click.ClickException(f"{path} exists; choose another --name or folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(entries_to_file(items, lang), encoding="utf-8")
        written.append(path)
    _, problems = check_path(target)
    for problem in problems:
        click.echo(str(problem), err=True)
    # Count what the files hold, read back as the service reads them, not what was meant.
    count = sum(len(read_faq_folder(path).entries) for path in written)
    click.echo(f"{count} entries written to {', '.join(map(str, written))}")
    if count != len(entries):
        raise click.ClickException(
            f"{source} has {len(entries)} entries, but the files written hold {count}"
        )
    if any(problem.severity == "error" for problem in problems):
        sys.exit(1)


def _rewritten_fields(entry: FaqEntry) -> list[str]:
    """The fields of an imported entry that the file form had to change (line breaks in a
    one-line field, answer lines starting with `## `), so the editor hears of it."""
    one_line_fields = [
        ("question", entry.question),
        *(("alternatives", text) for text in entry.alternatives),
        *(("tags", text) for text in entry.tags),
    ]
    changed = [name for name, text in one_line_fields if one_line(text) != text.strip()]
    if answer_lines(entry.answer) != "\n".join(entry.answer.strip().splitlines()):
        changed.append("answer")
    return list(dict.fromkeys(changed))


@faq.command("drafts")
@click.option(
    "--status",
    type=click.Choice(["proposed", "accepted", "rejected", "all"]),
    default="proposed",
    show_default=True,
    help="Which drafts to list.",
)
@click.option("--show", "show_id", type=draft_id_type, help="Print draft ID as FAQ file text.")
@click.option(
    "--accept", "accept_id", type=draft_id_type, help="Accept draft ID (an editor's review)."
)
@click.option("--reject", "reject_id", type=draft_id_type, help="Reject draft ID.")
def faq_drafts(
    status: str, show_id: int | None, accept_id: int | None, reject_id: int | None
) -> None:
    """FAQ drafts proposed from staff replies: list, review, and print as FAQ file text."""
    from ..store import drafts

    db = open_database()
    try:
        if accept_id is not None or reject_id is not None:
            draft_id = accept_id if accept_id is not None else reject_id
            verdict = "accepted" if accept_id is not None else "rejected"
            drafts.review_draft(db, draft_id, verdict, reviewer=None)
            record_audit(db, f"draft.{verdict}", draft_id)
            click.echo(f"draft {draft_id} {verdict}", err=True)
            if verdict == "accepted":
                click.echo(drafts.draft_as_faq_file(drafts.get_draft(db, draft_id)), nl=False)
            return
        if show_id is not None:
            click.echo(drafts.draft_as_faq_file(drafts.get_draft(db, show_id)), nl=False)
            return
    except drafts.DraftNotFound as error:
        raise click.ClickException(f"no draft {error.args[0]}") from None
    items = drafts.list_drafts(db, None if status == "all" else status)
    for item in items:
        what = f"phrasing for {item['faq_id']}" if item["kind"] == "alternative" else "new entry"
        click.echo(
            f"{item['id']:>4}  {item['status']:<8} {item['lang']}  {what:<30} "
            f"{item['question'][:60]}"
        )
    if not items:
        click.echo(f"no {status if status != 'all' else ''} drafts".replace("  ", " "), err=True)


@faq.command("gaps")
@since_option("questions")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def faq_gaps(days: int, as_json: bool) -> None:
    """What visitors asked that the FAQ did not answer, grouped, largest groups first."""
    from ..faq.gaps import group_gaps
    from ..store import question_log

    gaps = group_gaps(question_log.logged_questions(open_database(), since=days_ago(days)))
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "size": gap.size,
                        "suggested_question": gap.suggested_question,
                        "languages": gap.languages,
                        "outcomes": gap.outcomes,
                        "questions": [q["question"] for q in gap.questions],
                    }
                    for gap in gaps
                ],
                ensure_ascii=False,
            )
        )
        return
    if not gaps:
        click.echo(f"no unanswered questions in the last {days} days", err=True)
    for gap in gaps:
        click.echo(f"{gap.size:>4} × {gap.suggested_question}  [{', '.join(gap.languages)}]")
        for question in gap.questions[:5]:
            if question["question"] != gap.suggested_question:
                click.echo(f"       {question['question']}")
        if gap.size > 6:
            click.echo(f"       … and {gap.size - 6} more")
