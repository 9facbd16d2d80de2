"""Privacy commands on `widget-api`: purge (retention), gdpr export/erase, audit.

Added to the `main` group in main.py. They print counts and
ids, never content, except `gdpr export`, whose whole point is the person's data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ..privacy import gdpr, retention
from ..privacy.private_files import open_private_for_writing
from ..store import audit, maintenance
from ..store.sqlite import days_ago, write_transaction
from .common import load_config, open_database, since_option


def _policy() -> retention.RetentionPolicy:
    return retention.RetentionPolicy.from_config(load_config())


def _print_counts(counts: dict[str, int]) -> None:
    for kind, count in counts.items():
        click.echo(f"{kind}: {count}")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def purge_command(dry_run: bool) -> None:
    """Apply the retention settings now; prints what it removes (counts only).

    The running service does the same once a day by itself.
    """
    db = open_database()
    policy = _policy()
    if dry_run:
        _print_counts(retention.purge(db, dry_run=True, policy=policy))
        click.echo("dry run: nothing was removed", err=True)
        return
    _print_counts(retention.run(db, policy, actor="cli"))


def _subject(email: str | None, conversation_id: str | None) -> gdpr.Subject:
    if (email is None) == (conversation_id is None):
        raise click.UsageError("give --email ADDRESS or --conversation ID (one of them)")
    return gdpr.Subject(email=email, conversation_id=conversation_id)


def _warn_mentions(mentioned: list[str]) -> None:
    if mentioned:
        click.echo(
            f"{len(mentioned)} other conversation(s) mention the address in their text but were "
            f"left alone: {', '.join(mentioned)}. Check them with `widget-api queue show ID` and "
            "use --conversation ID for those that belong to this person.",
            err=True,
        )


_EMAIL = click.option("--email", help="The address the person left (case is ignored).")
_CONVERSATION = click.option("--conversation", "conversation_id", help="A conversation id.")


@click.group("gdpr")
def gdpr_group() -> None:
    """A person's data: export everything stored about them, or erase it."""


@gdpr_group.command("export")
@_EMAIL
@_CONVERSATION
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON document here (mode 0600) instead of to standard output.",
)
def gdpr_export(email: str | None, conversation_id: str | None, output: Path | None) -> None:
    """Write one JSON document with everything stored about an address or conversation."""
    subject = _subject(email, conversation_id)
    db = open_database()
    document = gdpr.export(db, subject)
    with write_transaction(db):
        audit.record(
            db,
            "gdpr.exported",
            actor="cli",
            target=conversation_id,
            details={
                "by": "email" if email is not None else "conversation",
                "conversations": len(document["conversations"]),
            },
        )
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        fd = open_private_for_writing(output)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        click.echo(
            f"{len(document['conversations'])} conversation(s) written to {output}", err=True
        )
    if email is not None:
        _warn_mentions(gdpr.find(db, subject)[1])


@gdpr_group.command("erase")
@_EMAIL
@_CONVERSATION
def gdpr_erase(email: str | None, conversation_id: str | None) -> None:
    """Erase everything stored about an address or conversation; prints the counts."""
    subject = _subject(email, conversation_id)
    db = open_database()
    with write_transaction(db):
        removed, mentioned = gdpr.erase(db, subject)
        audit.record(
            db,
            "gdpr.erased",
            actor="cli",
            target=conversation_id,
            details={"by": "email" if email is not None else "conversation", **removed},
        )
    maintenance.compact_database(db)
    _print_counts(removed)
    _warn_mentions(mentioned)
    if not removed["conversations"]:
        click.echo("nothing stored for this person", err=True)


@click.command("audit")
@since_option("entries")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
def audit_command(days: int, as_json: bool) -> None:
    """The audit log, newest first: time, who, action, target, details."""
    rows = audit.entries(open_database(), since=days_ago(days))
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        who = row["staff_email"] or (f"#{row['staff_id']}" if row["staff_id"] else row["actor"])
        click.echo(
            f"{row['created_at'][:19]}  {who:<28} {row['action']:<26} {row['target'] or '-':<24} "
            f"{audit.describe(row['details'])}".rstrip()
        )
    if not rows:
        click.echo(f"no audit entries in the last {days} days", err=True)
