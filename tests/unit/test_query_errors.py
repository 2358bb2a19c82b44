"""Every query error the parser gives reads back in Dutch, part by part (the web pages show it so)."""

from __future__ import annotations

import pytest

from luister.domain.queries import QueryReferenceError, QuerySyntaxError, check_references, parse_query
from luister.web.i18n import translations
from luister.web.query_errors import explain, explain_reference

BAD = [
    "", "voltaro)", '"in de wacht', "(voltaro", "voltaro - storing", "voltaro AND", "voltaro AND OR x",
    "vendor:x", "(" * 40 + "a" + ")" * 40, "a NEAR/5 lang:nl", "a NEAR b", '""', "followers:<0", "a AND )",
    "a NEAR/0 b", "followers:abc", "lang:nederlands", "sentiment:boos", "#", "#bad-tag!",
    "country:NLD1", "followers:9..3", "a\nAND (", "title:x~3", '"a b"~x', "***", "a:b OR",
]  # fmt: skip
DUTCH = translations("nl").gettext


@pytest.mark.parametrize("text", BAD)
def test_each_query_error_reads_in_dutch(text: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(text)
    exc = raised.value
    dutch = explain(exc, DUTCH)
    assert explain(exc, str) == str(exc)  # the English reads back exactly as it was written
    assert " in kolom " in dutch or " in regel " in dutch, dutch  # where, in Dutch
    assert exc.problem not in dutch and exc.detail not in dutch, dutch  # what and what to do, in Dutch


def test_reference_errors_read_in_dutch() -> None:
    with pytest.raises(QueryReferenceError) as raised:
        check_references({"a": parse_query("topic:b"), "b": parse_query("topic:a")})
    cycle = explain_reference(str(raised.value), DUTCH)
    assert cycle == "onderwerpen verwijzen in een kring naar elkaar: a → b → a"
    assert explain_reference("the query refers to unknown topic 'X'", DUTCH) == (
        "de query verwijst naar onbekend onderwerp 'X'"
    )
    assert explain_reference("something else", DUTCH) == "something else"
