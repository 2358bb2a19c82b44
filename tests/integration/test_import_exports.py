"""Real export shapes through ``luister import`` (issue #24 defects 3, 5, 7, 8): written here in the
shapes Meltwater, minet/gazouilloire, Pushshift, Twitter/X archives and Mastodon outboxes use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.export_formats import EXPORT_FORMATS, ExportFormat
from luister.connectors.records import FieldMapping
from luister.services.importer import ImportReport, import_file
from luister.storage.tables import mention
from luister.storage.writer import SqlMentionStore

MELTWATER = (
    "Date,Headline,URL,Opening Text,Hit Sentence,Source,Influencer,Country,Language,Reach,Sentiment\r\n"
    '07-Jan-2021 08:41AM,,https://twitter.com/anna/status/1,,"Enerlux laat me weer in de kou staan",'
    "Twitter,@anna,Netherlands,Dutch,1200,Negative\r\n"
    "08-Jan-2021 10:02AM,Stroomprijs,https://nieuws.example/a/2,De prijs stijgt,"
    '"De prijs van Enerlux stijgt",nieuws.example,,Belgium,Portuguese,50000,Neutral\r\n'
    "09-Jan-2021 11:00AM,,https://twitter.com/bob/status/3,,Enerlux!,Twitter,@bob,Atlantis,Marsiaans,5,\r\n"
)


def run_import(engine: Engine, path: Path, **kwargs: object) -> ImportReport:
    store = SqlMentionStore(engine)
    return import_file(path=path, store=store, mapping=FieldMapping(), batch_size=100, **kwargs)  # type: ignore[arg-type]


def rows(engine: Engine) -> list[sa.Row]:  # type: ignore[type-arg]
    query = sa.select(
        mention.c.external_id, mention.c.text, mention.c.published_at, mention.c.date_known,
        mention.c.language, mention.c.country, mention.c.author_handle, mention.c.url,
    ).order_by(mention.c.id)  # fmt: skip
    with engine.connect() as conn:
        return list(conn.execute(query))


def test_meltwater_export_is_recognised_whatever_the_case(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "meltwater.csv"
    path.write_text(MELTWATER, encoding="utf-8")
    report = run_import(engine, path)
    assert report.summary.stored == 3 and report.summary.rejected_count == 0
    assert report.columns["text"] == "Hit Sentence" and report.columns["published_at"] == "Date"
    assert report.columns["url"] == "URL" and report.columns["country"] == "Country"
    assert report.not_found == ("external_id",)
    assert report.summary.gaps.generated_ids == 3
    assert report.summary.gaps.dropped == {"country": 1, "language": 1}
    found = rows(engine)
    assert found[0].published_at == datetime(2021, 1, 7, 8, 41, tzinfo=UTC)
    assert (found[0].language, found[0].country, found[0].author_handle) == ("nl", "NL", "@anna")
    assert (found[1].language, found[1].country) == ("pt", "BE")
    assert (found[2].language, found[2].country, found[2].text) == (None, None, "Enerlux!")


def test_an_edited_post_exported_twice_without_ids_is_one_mention(engine: Engine, tmp_path: Path) -> None:
    first = tmp_path / "monday.csv"
    first.write_text(MELTWATER, encoding="utf-8")
    second = tmp_path / "tuesday.csv"
    second.write_text(MELTWATER.replace("in de kou staan", "in de kou staan (edit)"), encoding="utf-8")
    run_import(engine, first)
    assert run_import(engine, second).summary.stored == 0


def test_epoch_columns_date_the_mentions(engine: Engine, tmp_path: Path) -> None:
    gazouilloire = tmp_path / "tweets.csv"
    gazouilloire.write_text(
        "id,timestamp_utc,local_time,user_screen_name,text,retweet_count,like_count,lang\n"
        "1346,1609998073,2021-01-07T06:41:13,anna,Enerlux storing,3,10,nl\n"
    )
    pushshift = tmp_path / "RC_2021-01.json"
    pushshift.write_bytes(
        orjson.dumps({"id": "gj1", "created_utc": 1609998000, "author": "bob", "body": "Enerlux :("})
        + b"\n"
        + orjson.dumps({"id": "gj2", "created_utc": "1609998001", "author": "eve", "body": "ok"})
        + b"\n"
    )
    tweets = run_import(engine, gazouilloire)
    posts = run_import(engine, pushshift)
    assert (
        tweets.columns["published_at"] == "timestamp_utc" and posts.columns["published_at"] == "created_utc"
    )
    assert tweets.not_found == () and posts.not_found == ()
    dates = [row.published_at for row in rows(engine)]
    assert dates[0] == datetime(2021, 1, 7, 5, 41, 13, tzinfo=UTC)
    assert dates[1] == datetime(2021, 1, 7, 5, 40, tzinfo=UTC)
    assert all(row.date_known for row in rows(engine))


def test_a_file_without_dates_is_kept_with_the_date_unknown_and_counted(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "nodates.csv"
    path.write_text("id,text,author\n1,Enerlux is duur,anna\n2,Enerlux is goedkoop,bob\n")
    report = run_import(engine, path)
    assert report.not_found == ("published_at",)
    assert report.summary.gaps.undated == 2
    assert [row.date_known for row in rows(engine)] == [False, False]


def test_a_mastodon_outbox_is_read_as_a_document_and_its_html_stripped(
    engine: Engine, tmp_path: Path
) -> None:
    note = {
        "id": "https://mastodon.example/users/anna/statuses/1",
        "type": "Note",
        "published": "2023-02-01T10:00:00Z",
        "url": "https://mastodon.example/@anna/1",
        "attributedTo": "https://mastodon.example/users/anna",
        "content": '<p>Enerlux &amp; de <a href="https://x.example">storing</a></p><p>Weer!</p>',
    }
    outbox = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "OrderedCollection",
        "totalItems": 1,
        "orderedItems": [{"type": "Create", "actor": note["attributedTo"], "object": note}],
    }
    path = tmp_path / "outbox.json"
    path.write_bytes(orjson.dumps(outbox, option=orjson.OPT_INDENT_2))
    report = run_import(engine, path)
    assert (report.summary.stored, report.summary.rejected_count) == (1, 0)
    assert rows(engine)[0].text == "Enerlux & de storing\n\nWeer!"


def test_a_twitter_archive_part_keeps_its_text_decoded(engine: Engine, tmp_path: Path) -> None:
    tweets = [
        {"tweet": {"id_str": "9", "full_text": "Enerlux &gt; de rest &amp; zo", "lang": "nl",
                   "created_at": "Wed Oct 10 20:19:24 +0000 2018", "favorite_count": "4",
                   "retweet_count": "1"}},
    ]  # fmt: skip
    path = tmp_path / "tweets.js"
    path.write_bytes(b"window.YTD.tweets.part0 = " + orjson.dumps(tweets, option=orjson.OPT_INDENT_2))
    report = run_import(engine, path)
    assert report.summary.stored == 1
    found = rows(engine)[0]
    assert (found.external_id, found.text) == ("9", "Enerlux > de rest & zo")
    assert found.published_at == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)


@pytest.mark.parametrize("export", EXPORT_FORMATS, ids=lambda each: each.file_name)
def test_every_documented_export_format_imports(engine: Engine, tmp_path: Path, export: ExportFormat) -> None:
    """docs/imports.md promises these: each example stores its mention, rejects nothing, and is dated."""
    path = tmp_path / export.file_name
    encoding = "cp1252" if "1252" in export.name else "utf-8"
    path.write_bytes(export.example.encode(encoding))
    report = run_import(engine, path)
    assert (report.summary.stored, report.summary.rejected_count) == (1, 0), report.summary.rejected
    assert "text" in report.columns or report.shape.format == "json"
    assert report.summary.gaps.undated == 0


NAIVE_CSV = "id;bericht;datum\n1;Enerlux storing;07-01-2021 08:41\n2;Enerlux weer;2021-01-13T10:00:00\n"


def test_dates_without_a_zone_and_ambiguous_dates_are_counted_and_read_as_told(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue #24, also decide: naive dates were UTC silently, 07/01/2021 day first silently."""
    path = tmp_path / "export.csv"
    path.write_text(NAIVE_CSV)
    report = run_import(engine, path)
    assert (report.summary.gaps.naive_dates, report.summary.gaps.ambiguous_dates) == (2, 1)
    assert [row.published_at for row in rows(engine)] == [
        datetime(2021, 1, 7, 8, 41, tzinfo=UTC),
        datetime(2021, 1, 13, 10, tzinfo=UTC),
    ]


def test_a_time_zone_and_month_first_can_be_given(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(NAIVE_CSV)
    mapping = FieldMapping().reading_dates(timezone="Europe/Amsterdam", dayfirst=False)
    report = import_file(path=path, store=SqlMentionStore(engine), mapping=mapping, batch_size=10)
    assert str(report.dates.zone) == "Europe/Amsterdam" and not report.dates.dayfirst
    assert [row.published_at for row in rows(engine)] == [
        datetime(2021, 7, 1, 6, 41, tzinfo=UTC),  # July 1st, 08:41 in Amsterdam (summer time)
        datetime(2021, 1, 13, 9, tzinfo=UTC),
    ]


def test_an_unknown_time_zone_is_refused() -> None:
    from luister.connectors.records import MappingConfigError

    with pytest.raises(MappingConfigError, match="not a time zone"):
        FieldMapping().reading_dates(timezone="Europe/Atlantis", dayfirst=True)


def test_an_excel_export_is_read_from_its_first_sheet(engine: Engine, tmp_path: Path) -> None:
    """Issue #24, also decide: XLSX, the default download of several listening tools, was not read."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Mentions"
    sheet.append(["Date", "Hit Sentence", "URL", "Influencer", "Country", "Reach", None])
    sheet.append([datetime(2021, 1, 7, 8, 41), "Enerlux laat me in de kou staan", "https://x.example/1",
                  "@anna", "Netherlands", 1200.0, None])  # fmt: skip
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["2021-01-08T09:00:00Z", "Enerlux weer", "https://x.example/2", "@bob", "BE", 5, None])
    sheet.append(["2021-01-09T09:00:00Z", "te breed", "https://x.example/3", "@eve", "NL", 5, None, "extra"])
    path = tmp_path / "meltwater.xlsx"
    workbook.save(path)
    report = run_import(engine, path)
    assert report.shape.format == "xlsx" and report.shape.notes == ("sheet 'Mentions' read (the first)",)
    assert report.columns["text"] == "Hit Sentence"
    assert (report.summary.stored, report.summary.rejected_count) == (2, 1)
    assert report.summary.rejected[0].position == "sheet Mentions row 5"
    found = rows(engine)
    assert found[0].published_at == datetime(2021, 1, 7, 8, 41, tzinfo=UTC) and found[0].country == "NL"
    assert report.summary.gaps.naive_dates == 1  # Excel keeps no zone: said, and --timezone applies


def test_a_file_that_is_no_workbook_is_refused_with_one_error(tmp_path: Path) -> None:
    from luister.connectors.file_readers import UnreadableFileError

    path = tmp_path / "export.xlsx"
    path.write_text("id,text\n1,a\n")
    with pytest.raises(UnreadableFileError, match="not a readable .xlsx workbook"):
        import_file(path=path, store=None, mapping=FieldMapping(), batch_size=10)  # type: ignore[arg-type]
