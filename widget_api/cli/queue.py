"""`widget-api queue ...`: the handoff queue on the server, without a browser."""

from __future__ import annotations

import click

from .common import open_database


@click.group()
def queue() -> None:
    """The handoff queue, without a browser."""


@queue.command("list")
@click.option(
    "--view",
    type=click.Choice(["new", "open", "waiting", "closed", "all"]),
    default="all",
    show_default=True,
    help="Which conversations.",
)
@click.option(
    "--oldest-first", is_flag=True, help="The longest untouched first (default: newest first)."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Conversations per page.",
)
@click.option(
    "--page", type=click.IntRange(min=1), default=1, show_default=True, help="Which page."
)
@click.option("--all", "everything", is_flag=True, help="Every page, one after the other.")
def queue_list(view: str, oldest_first: bool, limit: int, page: int, everything: bool) -> None:
    """Conversations, newest activity first: id, status, language, age, first line.

    A page at a time (`--limit`, `--page`), or `--all`; the last line on stderr says how
    many there are and which page comes next.
    """
    from ..store import staff_queue

    db = open_database()
    if everything and page != 1:
        raise click.UsageError("--all prints every page; leave out --page")
    number, after, shown = 1, None, 0
    while True:
        current = staff_queue.queue_page(
            db, view, limit=limit, oldest_first=oldest_first, after=after
        )
        if everything or number == page:
            for row in current.items:
                click.echo(_queue_line(row))
            shown += len(current.items)
        if current.next_after is None or (not everything and number >= page):
            break
        number, after = number + 1, current.next_after
    if current.total == 0:
        click.echo("the queue is empty", err=True)
    elif not everything and number < page:
        raise click.ClickException(f"there is no page {page}: {current.total} conversations")
    elif current.next_after is not None and not everything:
        click.echo(f"{shown} of {current.total} shown; next: --page {page + 1}, or --all", err=True)


def _queue_line(row: dict) -> str:
    line = row["question"].strip().splitlines()[0][:70] if row["question"].strip() else ""
    return f"{row['id']}  {row['status']:<8} {row['lang']}  {row['updated_at'][:16]}  {line}"


@queue.command("show")
@click.argument("conversation_id")
def queue_show(conversation_id: str) -> None:
    """One conversation with every message and note.

    Ids made by earlier builds could start with `-`; such an id goes after `--`:
    `widget-api queue show -- -AbC...`.
    """
    from ..store import conversations

    try:
        item = conversations.get_conversation(open_database(), conversation_id)
    except conversations.ConversationNotFound:
        raise click.ClickException(f"no conversation {conversation_id}") from None
    click.echo(f"{item['id']}  {item['status']}  {item['lang']}  created {item['created_at']}")
    if item["email"] or item["name"]:
        click.echo(
            f"contact: {item['name'] or ''} <{item['email'] or ''}> "
            f"(consent {item['consent_at']}, notice v{item['consent_notice_version']})"
        )
    for message in item["messages"]:
        who = "note" if message["kind"] == "note" else message["author"]
        if message["in_transcript"]:
            who = f"shown by bot: {who}"
        click.echo(f"[{message['created_at'][:16]}] {who}: {message['text']}")
