"""Who may receive a scheduled report (pure). A report carries what its schedule's department sees (a
company-wide one: every department's figures), so an address that is a luister account must belong to an
active person who sees all of that: someone across departments, or, for a department's report, someone of
that department. An address that is no account is external (an agency, a board member): allowed as it was
before departments, and it receives the department's report only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from luister.domain.accounts import Scope


@dataclass(frozen=True, slots=True)
class Account:
    """A luister account as the rule needs it: what it sees, and whether it may still sign in."""

    scope: Scope
    active: bool


def mailbox(address: str) -> str:
    """The bare address of ``"Name <a@b.nl>"``, lower-case, as accounts store it."""
    return parseaddr(address)[1].strip().lower()


def may_receive(account: Account | None, department: str | None) -> bool:
    """Whether the holder of an address may receive ``department``'s report (None: the company's)."""
    if account is None:
        return True  # external: the report it gets is the department's only
    return account.active and (account.scope.department is None or account.scope.department == department)


def refused(recipients: Sequence[str], accounts: Mapping[str, Account], department: str | None) -> list[str]:
    """The recipients that may not receive ``department``'s report, in the order given."""
    return [a for a in recipients if not may_receive(accounts.get(mailbox(a)), department)]
