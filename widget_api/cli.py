"""The `widget-api` command: a thin shell over the package's Python API.

Library errors become click.ClickException (a message and exit status 1), never a traceback.
"""

from __future__ import annotations

import sys

import click

from . import settings


def since_option(what: str):
    """`--since DAYS` (default 30) for commands that list recent things."""
    return click.option(
        "--since",
        "days",
        type=click.IntRange(min=1),
        default=30,
        show_default=True,
        help=f"Only {what} of the last DAYS days.",
    )


def _config(sources: dict[str, str] | None = None) -> dict:
    """The settings as the service would see them, checked, without creating anything.

    `sources` is filled with where each value came from (see settings.load_settings).
    """
    try:
        config = settings.load_settings(settings.resolve_instance_path(), sources=sources)
        settings.check_settings(config)
        return config
    except settings.SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.group()
@click.version_option(package_name="widget-api")
def main() -> None:
    """Self-hosted customer-support widget: FAQ answers, a human queue, no third parties."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port of the service.")
@click.option("--demo-port", default=5001, show_default=True, help="Port of the demo shop page.")
def demo(host: str, port: int, demo_port: int) -> None:
    """Run the service and a demo shop page that embeds the widget (development only)."""
    from . import create_app, request_log
    from .demo import create_demo_app, serve_in_thread

    api_origin = f"http://{host}:{port}"
    demo_origins = [f"http://{host}:{demo_port}", f"http://localhost:{demo_port}"]
    config = _config()
    # Plain HTTP on 127.0.0.1: the staff cookie cannot be Secure-only here.
    app = create_app(
        {"ALLOWED_ORIGINS": [*config["ALLOWED_ORIGINS"], *demo_origins], "SECURE_COOKIES": False}
    )
    request_log.log_to_console()
    shop = serve_in_thread(create_demo_app(f"{api_origin}/widget.js"), host, demo_port)
    click.echo(f"Service:   {api_origin}/api/v1/health")
    click.echo(f"Demo shop: {shop.url}/   (German: {shop.url}/?lang=de)")
    click.echo("Press Ctrl+C to stop.")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False)
    finally:
        shop.stop()


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the configuration reference.")
@click.option("--sources", "with_sources", is_flag=True, help="Say where each value came from.")
def settings_command(markdown: bool, with_sources: bool) -> None:
    """Show the settings in effect, secrets masked (or the reference, with --markdown)."""
    from .settings_view import shown_settings

    if markdown:
        click.echo(settings.configuration_markdown(), nl=False)
        return
    sources: dict[str, str] = {}
    for shown in shown_settings(_config(sources), sources):
        line = f"{shown.name} = {shown.value!r}"
        click.echo(f"{line}  # {shown.source}" if with_sources else line)


def _database():
    """The service's database (created and migrated if it does not exist yet)."""
    from . import create_app
    from .db import connect

    try:
        app = create_app()
    except settings.SettingsError as error:
        raise click.ClickException(str(error)) from None
    return connect(app.config["DATABASE"])


def _audit(db, action: str, target: str | int | None = None, **details) -> None:
    """Record a command's change in the audit log (ids and counts only)."""
    from . import audit

    audit.record(db, action, actor="cli", target=target, details=details)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@main.group()
def staff() -> None:
    """Staff accounts for the inbox: add, list, disable, reset passwords."""


@staff.command("add")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["staff", "editor", "admin"]),
    default="staff",
    show_default=True,
    help="staff: the inbox; editor: also FAQ pages; admin: all.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_add(email: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is prompted for (or read from stdin)."""
    from .accounts import AccountError, create_account

    password = _read_password(password_stdin)
    try:
        db = _database()
        account_id = create_account(db, email, password, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    _audit(db, "account.created", account_id, role=role)
    click.echo(f"account {account_id} created: {email} ({role})")


@staff.command("list")
def staff_list() -> None:
    """Every account with its role and state."""
    from .accounts import list_accounts

    for account in list_accounts(_database()):
        state = "disabled" if account["disabled_at"] else "active"
        last = account["last_login_at"] or "never"
        click.echo(
            f"{account['id']:>4}  {account['email']:<40} {account['role']:<7} {state:<9}"
            f" last sign-in: {last}"
        )


@staff.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Enable a disabled account again.")
def staff_disable(email: str, enable: bool) -> None:
    """Stop an account from signing in (or allow it again with --enable)."""
    from .accounts import AccountError, set_disabled

    try:
        db = _database()
        account_id = set_disabled(db, email, disabled=not enable)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    _audit(db, "account.enabled" if enable else "account.disabled", account_id)
    click.echo(f"{email} {'enabled' if enable else 'disabled'}")


@staff.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_reset_password(email: str, password_stdin: bool) -> None:
    """Give an account a new password."""
    from .accounts import AccountError, reset_password

    password = _read_password(password_stdin)
    try:
        db = _database()
        account_id = reset_password(db, email, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    _audit(db, "account.password_reset", account_id)
    click.echo(f"password of {email} changed")


@main.group()
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
    from . import staff_queue

    db = _database()
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
    from . import conversations

    try:
        item = conversations.get_conversation(_database(), conversation_id)
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


# Operators' commands (serve, backup, restore) and the privacy commands (purge, gdpr, audit)
# register themselves on `main`.
from . import cli_faq, cli_ops, cli_privacy  # noqa: E402, F401

if __name__ == "__main__":
    main()
