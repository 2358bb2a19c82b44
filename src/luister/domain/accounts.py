"""Who may do what: roles and their permissions (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from zxcvbn import zxcvbn

MIN_PASSWORD = 12
MAX_PASSWORD = 200  # zxcvbn's estimate takes long on very long input; argon2 would take any length
MIN_STRENGTH = 3  # zxcvbn's score (0-4): 3 is "safely unguessable" (about 10^8 guesses and more)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class Role(StrEnum):
    admin = "admin"  # everything, including users and settings
    analyst = "analyst"  # topics, sources, alert rules, corrections
    agent = "agent"  # works mentions and alerts, corrects labels
    viewer = "viewer"  # reads dashboards and mentions


class Permission(StrEnum):
    view = "view"
    correct = "correct"  # relabel sentiment/intents, work alerts
    manage = "manage"  # topics, sources, alert rules and channels
    admin = "admin"  # users, roles, audit log


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.viewer: frozenset({Permission.view}),
    Role.agent: frozenset({Permission.view, Permission.correct}),
    Role.analyst: frozenset({Permission.view, Permission.correct, Permission.manage}),
    Role.admin: frozenset(Permission),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


@dataclass(frozen=True, slots=True)
class Scope:
    """What someone sees and (with ``manage``) changes of what departments own: topics, and through them
    their alerts. Departments scope topics, not mentions. ``department`` None: across departments."""

    department: str | None = None

    def sees(self, owner: str | None) -> bool:
        """Whether a topic owned by ``owner`` is in scope: one without a department is the whole
        company's; otherwise it must be the scope's own department (a scope across departments sees all)."""
        return self.department is None or not owner or owner == self.department

    def owns(self, owner: str | None) -> bool:
        """Whether something others rely on (a source) may be changed: only a department's own, unless
        the scope works across departments (admins, people without a department)."""
        return self.department is None or owner == self.department


EVERYTHING = Scope()  # the CLI, admins, and everyone without a department


def scope_of(role: Role, department: str | None) -> Scope:
    """The one rule: every admin, and everyone without a department, works across departments; the
    others work with the company's topics and their own department's."""
    return EVERYTHING if role is Role.admin or not department else Scope(department)


def normalise_email(value: str) -> str:
    """Lower-case and trimmed; raises ``ValueError`` when it is not an e-mail address."""
    email = value.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValueError(f"{value!r} is not an e-mail address")
    return email


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a password is not acceptable, or ``None``. Common and easily guessed passwords (``Password1234``,
    ``qwertyuiop123``) are refused by zxcvbn's estimate, offline, from the lists it ships."""
    if len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters"
    local = email.split("@")[0]
    if len(local) >= 4 and local in password.lower():
        return "a password must not contain the e-mail name"
    if len(set(password)) < 5:
        return "a password needs more different characters"
    if len(password) > MAX_PASSWORD:
        return f"a password has at most {MAX_PASSWORD} characters"
    if zxcvbn(password, user_inputs=[local, *name.split()])["score"] < MIN_STRENGTH:
        return "this password is too easy to guess (a common password or pattern); choose a longer passphrase"
    return None
