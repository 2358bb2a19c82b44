"""Who may receive a scheduled report (pure): an account must be active and see all the report's figures
(across departments, or the report's own department); an outside address gets the department's report."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from luister.domain.accounts import EVERYTHING, Role, Scope, scope_of
from luister.kpis.report_recipients import Account, mailbox, may_receive, refused

DEPARTMENTS = st.sampled_from([None, "marketing", "customer-service", "legal"])


def test_the_rule_by_example() -> None:
    marketing, service = Account(Scope("marketing"), True), Account(Scope("customer-service"), True)
    across = Account(EVERYTHING, True)
    assert may_receive(marketing, "marketing") and may_receive(across, "marketing")
    assert not may_receive(service, "marketing") and not may_receive(marketing, None)
    assert may_receive(across, None) and may_receive(None, None) and may_receive(None, "legal")
    assert not may_receive(Account(EVERYTHING, False), "marketing")  # a closed account is no outsider
    accounts = {"eva@voltaro.example": marketing, "kim@voltaro.example": service}
    to = ["Eva <EVA@voltaro.example>", "kim@voltaro.example", "bureau@extern.example"]
    assert refused(to, accounts, "marketing") == ["kim@voltaro.example"]
    assert refused(to, accounts, None) == to[:2]
    assert mailbox(" Eva <EVA@Voltaro.example> ") == "eva@voltaro.example"


@given(role=st.sampled_from(list(Role)), mine=DEPARTMENTS, report=DEPARTMENTS, active=st.booleans())
def test_an_account_receives_a_report_only_when_it_sees_every_topic_the_report_sees(
    role: Role, mine: str | None, report: str | None, active: bool
) -> None:
    """Brute force over the departments' topics: the report shows the topics ``Scope(report)`` sees; the
    account may receive it exactly when it is active and sees each of them."""
    scope = scope_of(role, mine)
    topics = [None, "marketing", "customer-service", "legal", "sales"]
    shown = [owner for owner in topics if Scope(report).sees(owner)]
    expected = active and all(scope.sees(owner) for owner in shown)
    assert may_receive(Account(scope, active), report) is expected
