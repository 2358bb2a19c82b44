"""Bearer tokens: missing, wrong, revoked, expired, an account switched off, a role without the permission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from api_helpers import Api, email

from luister.accounts.actions import set_active
from luister.services.api_tokens import (
    TokenError,
    authenticate_token,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from luister.services.audit import entries
from luister.storage.tables import api_token


def assert_unauthorised(response, *, invalid: bool) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert ('error="invalid_token"' in response.headers["www-authenticate"]) is invalid
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and body["detail"]


def test_no_token_bad_token_and_other_schemes_are_refused(api: Api) -> None:
    assert_unauthorised(api.client.get("/api/v1/mentions"), invalid=False)
    assert_unauthorised(
        api.client.get("/api/v1/mentions", headers={"Authorization": "Basic eDp5"}), invalid=False
    )
    for bad in ("lst_not-a-real-token", "nonsense", "lst_" + "x" * 500):
        answer = api.client.get("/api/v1/topics", headers={"Authorization": f"Bearer {bad}"})
        assert_unauthorised(answer, invalid=True)
    assert api.get("/api/v1/mentions").status_code == 200


def test_no_cookies_needed_and_a_session_cookie_is_not_enough(api: Api) -> None:
    api.client.cookies.set("luister_session", "whatever")
    assert api.client.get("/api/v1/mentions").status_code == 401
    assert api.get("/api/v1/mentions").status_code == 200


def test_revoked_and_expired_tokens_and_switched_off_accounts_are_refused(api: Api) -> None:
    made = create_token(
        engine=api.engine, email=email("viewer"), name="short-lived", expires_in=timedelta(days=1)
    )
    header = {"Authorization": f"Bearer {made.secret}"}
    assert api.client.get("/api/v1/topics", headers=header).status_code == 200
    with api.engine.begin() as conn:  # a day later
        past = datetime.now(UTC) - timedelta(seconds=1)
        conn.execute(api_token.update().where(api_token.c.id == made.token.id).values(expires_at=past))
    assert_unauthorised(api.client.get("/api/v1/topics", headers=header), invalid=True)

    revoke_token(engine=api.engine, token_id=made.token.id - 1, actor="cli")  # another token of someone
    revoked = [t for t in list_tokens(engine=api.engine) if t.revoked_at]
    assert len(revoked) == 1
    secret = api.tokens[{t.id: t.email.split("@")[0] for t in list_tokens(engine=api.engine)}[revoked[0].id]]
    assert_unauthorised(
        api.client.get("/api/v1/topics", headers={"Authorization": f"Bearer {secret}"}), invalid=True
    )

    set_active(engine=api.engine, email=email("agent"), active=False, actor="cli")
    assert_unauthorised(api.get("/api/v1/topics", role="agent"), invalid=True)


def test_roles_without_the_permission_get_403(api: Api) -> None:
    assert api.get("/api/v1/topics", role="viewer").status_code == 200
    body = {"name": "Voltaro", "query": "voltaro"}
    refused = api.post("/api/v1/topics", role="viewer", json=body)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "Forbidden" and "manage" in refused.json()["detail"]
    assert api.post("/api/v1/topics", role="agent", json=body).status_code == 403
    assert (
        api.post("/api/v1/sources", role="agent", json={"name": "x", "connector": "rss"}).status_code == 403
    )
    assert api.delete("/api/v1/sources/x", role="viewer").status_code == 403
    assert (
        api.post("/api/v1/mentions/1/labels", role="viewer", json={"sentiment": "positive"}).status_code
        == 403
    )
    assert (
        api.post("/api/v1/mentions/1/labels", role="agent", json={"sentiment": "positive"}).status_code == 404
    )
    assert api.post("/api/v1/topics", role="analyst", json=body).status_code == 201


def test_tokens_are_stored_as_hashes_used_at_most_once_a_minute_and_audited(api: Api) -> None:
    made = create_token(engine=api.engine, email=email("analyst"), name="  BI   export ", actor="admin@x")
    assert made.secret.startswith("lst_") and len(made.secret) == 4 + 43
    assert made.token.prefix == made.secret[:12] and made.token.name == "BI export"
    with api.engine.connect() as conn:
        stored = conn.execute(sa.select(api_token).where(api_token.c.id == made.token.id)).one()
    assert stored.token_hash == hash_token(made.secret) and made.secret not in str(tuple(stored))
    now = datetime.now(UTC)
    assert authenticate_token(engine=api.engine, secret=made.secret, now=now).email == email("analyst")
    authenticate_token(engine=api.engine, secret=made.secret, now=now + timedelta(seconds=30))
    [seen] = [t for t in list_tokens(engine=api.engine, email=email("analyst")) if t.id == made.token.id]
    assert seen.last_used_at == now.replace(microsecond=seen.last_used_at.microsecond)  # not moved on
    authenticate_token(engine=api.engine, secret=made.secret, now=now + timedelta(minutes=2))
    [later] = [t for t in list_tokens(engine=api.engine, email=email("analyst")) if t.id == made.token.id]
    assert later.last_used_at is not None and later.last_used_at > now + timedelta(seconds=90)
    revoke_token(engine=api.engine, token_id=made.token.id, actor="admin@x")
    actions = [(e.action, e.actor) for e in entries(engine=api.engine, actor="admin@x")]
    assert actions == [("token.revoke", "admin@x"), ("token.create", "admin@x")]
    for problem in (
        {"name": ""},
        {"name": "x", "expires_in": timedelta(days=-1)},
        {"email": "nobody@x.example"},
    ):
        arguments = {"engine": api.engine, "email": email("viewer"), "name": "x"} | problem
        try:
            create_token(**arguments)  # type: ignore[arg-type]
        except TokenError:
            continue
        raise AssertionError(f"accepted {problem}")
