"""``rumordesk user …``: local accounts for the dashboard (the administrator's job)."""

from __future__ import annotations

import sys

import click

from rumordesk.cli.context import Context, format_when, friendly_errors, print_table
from rumordesk.triage.roles import SYSTEM, Role

ROLES = [r.value for r in Role]


@click.group()
def user() -> None:
    """Create and manage dashboard accounts (pio, chief, staff, admin)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    from rumordesk.triage.passwords import MIN_LENGTH

    return click.prompt(
        f"Password (at least {MIN_LENGTH} characters, not a common one)",
        hide_input=True,
        confirmation_prompt=True,
    )


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option("--display-name", default="", help="The name shown in the dashboard and audit.")
@click.option("--email", default=None, help="E-mail (for sign-in through the identity provider).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="Identity-provider sign-in only (needs --email).")
@click.pass_obj
@friendly_errors
def add(
    obj: Context,
    name: str,
    role: str,
    display_name: str,
    email: str | None,
    password_stdin: bool,
    no_password: bool,
) -> None:
    """Create the account NAME (prompts for its password)."""
    from rumordesk.triage.users import add_user, check_password, check_username

    username = check_username(name)
    password = None if no_password else _read_password(password_stdin)
    if password is not None:  # the policy first: no half-made account, no wasted hashing
        check_password(password, username=username, display_name=display_name)
    created = add_user(
        obj.db, SYSTEM, name, role, password=password, display_name=display_name, email=email
    )
    click.echo(f"created {created.username} ({created.role.value})")


@user.command("list")
@click.pass_obj
@friendly_errors
def list_(obj: Context) -> None:
    """Every account, its role, and whether it is active or disabled (times in the
    Department's timezone, as the dashboard shows them). Failed sign-ins slow the device
    that makes them down; they never lock the account."""
    from rumordesk.triage.users import list_users

    tz = obj.settings.department.tz
    rows = [
        [
            u.username,
            u.role.value,
            "active" if u.active else "disabled",
            u.display_name,
            u.email or "",
            format_when(u.last_login_at, tz),
            str(u.failed_attempts),
        ]
        for u in list_users(obj.db, SYSTEM)
    ]
    if not rows:
        click.echo("no accounts yet: rumordesk user add NAME --role admin")
        return
    print_table(["user", "role", "state", "name", "e-mail", "last sign-in", "failures"], rows)


@user.command("disable")
@click.argument("name")
@click.pass_obj
@friendly_errors
def disable(obj: Context, name: str) -> None:
    """Stop NAME from signing in (the account and its history are kept)."""
    from rumordesk.triage.users import set_active

    set_active(obj.db, SYSTEM, name, False)
    click.echo(f"disabled {name}")


@user.command("enable")
@click.argument("name")
@click.pass_obj
@friendly_errors
def enable(obj: Context, name: str) -> None:
    """Let NAME sign in again (and clear a lock-out)."""
    from rumordesk.triage.users import set_active

    set_active(obj.db, SYSTEM, name, True)
    click.echo(f"enabled {name}")


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_obj
@friendly_errors
def set_role(obj: Context, name: str, role: str) -> None:
    """Give NAME another role."""
    from rumordesk.triage.users import set_role as change

    change(obj.db, SYSTEM, name, role)
    click.echo(f"{name} is now {role}")


@user.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
@friendly_errors
def set_password(obj: Context, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (and clear a lock-out)."""
    from rumordesk.triage.users import set_password as change

    change(obj.db, SYSTEM, name, _read_password(password_stdin))
    click.echo(f"password changed for {name}")
