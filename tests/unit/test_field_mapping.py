"""Records onto mentions: every field reaches its own attribute, by name, alias or mapped path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from luister.connectors.records import ALIASES, FIELDS, FieldMapping
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem

FETCHED = datetime(2026, 10, 2, tzinfo=UTC)
# a distinct value per field, as the mention keeps it
EXPECTED = {
    "external_id": "id-1",
    "channel": "mastodon",
    "text": "Storing bij Voltaro",
    "title": "Een titel",
    "url": "https://voltaro.nl/a",
    "author_handle": "@jan",
    "author_name": "Jan Jansen",
    "author_followers": 11,
    "published_at": datetime(2026, 10, 1, 8, tzinfo=UTC),
    "language": "nl",
    "country": "BE",
    "parent_id": "p-2",
    "thread_id": "t-3",
    "like_count": 4,
    "share_count": 5,
    "reply_count": 6,
    "view_count": 7,
}


def record_under(names: dict[str, str]) -> dict[str, object]:
    values = dict(EXPECTED, published_at="2026-10-01T08:00:00Z")
    return {names[field]: values[field] for field in FIELDS}


def test_the_expected_values_name_every_field() -> None:
    assert set(EXPECTED) == set(FIELDS)


@pytest.mark.parametrize("alias", [0, -1], ids=["first names", "last aliases"])
def test_every_field_reaches_its_own_attribute(alias: int) -> None:
    record = record_under({field: ALIASES[field][alias] for field in FIELDS})
    mention = FieldMapping().map(RawItem(raw="{}", position="line 1", data=record), FETCHED)
    assert {field: getattr(mention, field) for field in FIELDS} == EXPECTED
    assert mention.fetched_at == FETCHED and mention.raw == "{}"


def test_mapped_paths_reach_their_fields() -> None:
    columns = {field: f"post.{field}_x" for field in FIELDS}
    nested = {f"{field}_x": value for field, value in record_under({f: f for f in FIELDS}).items()}
    mention = FieldMapping(columns=columns).map(
        RawItem(raw="{}", position="1", data={"post": nested}), FETCHED
    )
    assert {field: getattr(mention, field) for field in FIELDS} == EXPECTED


def test_empty_text_values_fall_through_to_the_next_alias_but_zero_counts_do_not() -> None:
    record = {"id": "1", "text": "", "body": "de tekst", "likes": 0, "reactions": 9}
    mention = FieldMapping().map(RawItem(raw="{}", position="1", data=record), FETCHED)
    assert (mention.text, mention.like_count, mention.channel) == ("de tekst", 0, "import")


def test_a_record_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(MappingError, match="expected an object"):
        FieldMapping().map(RawItem(raw="[1]", position="1", data=[1]), FETCHED)


def test_a_nested_object_under_an_alias_is_not_that_fields_value() -> None:
    """A Mastodon outbox Note's ``replies`` is a Collection, not a reply count: found in a real outbox."""
    record = {
        "id": "https://mastodon.example/users/anna/statuses/1",
        "content": "tekst",
        "replies": {"id": "https://mastodon.example/users/anna/statuses/1/replies", "type": "Collection"},
        "comments": 3,
    }
    mention = FieldMapping().map(RawItem(raw="{}", position="1", data=record), FETCHED)
    assert mention.reply_count == 3
