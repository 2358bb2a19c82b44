"""Mail settings refuse what would go wrong later: a bad sender, half a login, a password in clear, a
production server without a real sender; the password never shows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from luister.settings import get_settings

PRODUCTION = {"mode": "production", "secret_key": "x" * 40}


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"mail_from": "nope"}, "mail_from: 'nope' is not an email address"),
        ({"mail_username": "luister"}, "give both or neither"),
        ({"mail_username": "u", "mail_password": "p", "mail_security": "none"}, "would cross in clear"),
        ({"mail_security": "tls"}, "mail_security"),
        ({**PRODUCTION, "mail_host": "smtp.example.nl"}, "production mail needs a real sender"),
    ],
)
def test_bad_mail_settings_say_why(given: dict[str, object], said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        get_settings(**given)  # type: ignore[arg-type]


def test_a_good_mail_server() -> None:
    settings = get_settings(**PRODUCTION, mail_host="smtp.example.nl", mail_from="luister <l@example.nl>",  # type: ignore[arg-type]
                            mail_username="l@example.nl", mail_password="s3cret")  # fmt: skip
    assert settings.mail_password is not None and "s3cret" not in repr(settings)
    assert (settings.mail_port, settings.mail_security) == (587, "starttls")
