"""`widget-api staff ...`: staff accounts for the inbox, without a browser."""

from __future__ import annotations

import sys

import click

from .common import open_database, record_audit


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
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
    from ..store.accounts import AccountError, create_account

    password = read_password(password_stdin)
    try:
        db = open_database()
        account_id = create_account(db, email, password, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    record_audit(db, "account.created", account_id, role=role)
    click.echo(f"account {account_id} created: {email} ({role})")


@staff.command("list")
def staff_list() -> None:
    """Every account with its role and state."""
    from ..store.accounts import list_accounts

    for account in list_accounts(open_database()):
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
    from ..store.accounts import AccountError, set_disabled

    try:
        db = open_database()
        account_id = set_disabled(db, email, disabled=not enable)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    record_audit(db, "account.enabled" if enable else "account.disabled", account_id)
    click.echo(f"{email} {'enabled' if enable else 'disabled'}")


@staff.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_reset_password(email: str, password_stdin: bool) -> None:
    """Give an account a new password."""
    from ..store.accounts import AccountError, reset_password

    password = read_password(password_stdin)
    try:
        db = open_database()
        account_id = reset_password(db, email, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    record_audit(db, "account.password_reset", account_id)
    click.echo(f"password of {email} changed")
