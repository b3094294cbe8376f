"""Who may do what. Checked in the functions the pages call, not only by hiding buttons.

The policy gives the PIO the triage and the Office of the Chief the decision; every member
of staff may report what they saw; the administrator manages accounts and settings but
does not triage (least privilege: an IT account cannot quietly close a rumour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rumordesk.base.errors import RumorDeskError


class Role(StrEnum):
    PIO = "pio"
    CHIEF = "chief"
    STAFF = "staff"
    ADMIN = "admin"


class Permission(StrEnum):
    VIEW_QUEUE = "view_queue"
    TRIAGE = "triage"
    DECIDE = "decide"
    REPORT = "report"
    VIEW_OWN_REPORTS = "view_own_reports"
    VIEW_AUDIT = "view_audit"
    VIEW_SOURCES = "view_sources"
    EXPORT = "export"
    MANAGE_USERS = "manage_users"
    MANAGE_DEMO = "manage_demo"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.PIO: frozenset(
        {
            Permission.VIEW_QUEUE,
            Permission.TRIAGE,
            Permission.REPORT,
            Permission.VIEW_OWN_REPORTS,
            Permission.VIEW_AUDIT,
            Permission.VIEW_SOURCES,
            Permission.EXPORT,
            Permission.MANAGE_DEMO,
        }
    ),
    Role.CHIEF: frozenset(
        {
            Permission.VIEW_QUEUE,
            Permission.DECIDE,
            Permission.REPORT,
            Permission.VIEW_OWN_REPORTS,
            Permission.VIEW_AUDIT,
            Permission.EXPORT,
        }
    ),
    Role.STAFF: frozenset({Permission.REPORT, Permission.VIEW_OWN_REPORTS}),
    Role.ADMIN: frozenset(
        {
            Permission.MANAGE_USERS,
            Permission.MANAGE_DEMO,
            Permission.VIEW_AUDIT,
            Permission.VIEW_SOURCES,
            Permission.REPORT,
            Permission.VIEW_OWN_REPORTS,
        }
    ),
}


class PermissionDenied(RumorDeskError):
    """The signed-in user's role does not allow the action."""


#: How an actor's account is known (:attr:`Actor.account`).
LOCAL, PROVIDER, AUTOMATIC = "local", "provider", "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or the system) doing something; what the audit log records.

    The role says what the actor may do; :mod:`triage.authz` checks, at each action, that
    the account still exists, is enabled, has this role, and that the session it acts
    through has not ended. The dashboard builds the actor from its session
    (:func:`triage.auth.session_actor`), with the session's start and end.
    """

    username: str
    role: Role
    display_name: str = ""
    #: ``"local"``: a row of ``users``, re-read at every action; ``"provider"``: an
    #: identity-provider user with no local account (the role comes from [auth.roles]);
    #: ``"system"``: the collector loop, the scheduler and the command line.
    account: str = LOCAL
    #: When the browser session this actor acts through began, and when it ends (its idle
    #: or absolute limit, whichever comes first). None outside a browser session.
    session_started_at: datetime | None = None
    session_expires_at: datetime | None = None

    def can(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]

    def __str__(self) -> str:
        return self.display_name or self.username


#: The collector loop, the scheduler and command-line maintenance act as this actor.
SYSTEM = Actor("system", Role.ADMIN, "Rumor Desk (automatic)", account=AUTOMATIC)


def granted(role: Role) -> frozenset[Permission]:
    return _GRANTS[role]


def require(actor: Actor, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``actor``'s role grants ``permission``."""
    if not actor.can(permission):
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value}) may not {permission.value.replace('_', ' ')}"
        )
