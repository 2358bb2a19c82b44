"""The export formats ``luister import`` and the ``file`` connector read without a column mapping, each with
a small example in its real shape. docs/imports.md and docs/connectors.md are generated from this list, and
tests/integration/test_import_exports.py imports every example, so the documentation cannot promise a
format the code does not read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: str
    file_name: str  # the example's file name: the format is told from it (and from the first bytes)
    notes: str
    example: str


EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        name="Meltwater / listening-tool CSV",
        file_name="meltwater.csv",
        notes=(
            "Column names are matched whatever their case or spacing (`Hit Sentence` is `hit_sentence`). "
            "Country and language names become ISO codes. Without an id column, ids are derived from the "
            "link (or the content when there is none); the summary says so."
        ),
        example=(
            "Date,Headline,URL,Hit Sentence,Influencer,Country,Language,Reach\n"
            "07-Jan-2021 08:41AM,,https://twitter.com/anna/status/1,"
            "Enerlux laat me weer in de kou staan,@anna,Netherlands,Dutch,1200\n"
        ),
    ),
    ExportFormat(
        name="minet / gazouilloire tweet CSV",
        file_name="tweets.csv",
        notes="`timestamp_utc` (epoch seconds) dates the tweets; `user_screen_name` is the author.",
        example=(
            "id,timestamp_utc,local_time,user_screen_name,text,retweet_count,like_count,lang\n"
            "1346,1609998073,2021-01-07T06:41:13,anna,Enerlux storing in Utrecht,3,10,nl\n"
        ),
    ),
    ExportFormat(
        name="Pushshift / Reddit dump (JSON lines)",
        file_name="RC_2021-01.jsonl",
        notes=(
            "One object per line, also as Pushshift publishes them, compressed (`RC_2021-01.zst`, read as "
            "it streams); `created_utc` dates it; `body` or `selftext` is the text."
        ),
        example='{"id": "gj1", "created_utc": 1609998000, "author": "bob", "body": "Enerlux :("}\n',
    ),
    ExportFormat(
        name="Twitter/X archive (`data/tweets.js`)",
        file_name="tweets.js",
        notes=(
            'The `window.YTD.tweets.part0 = [...]` wrapper is read as JSON, streamed; each `{"tweet": …}` '
            "is unwrapped; `&gt;` and other entities are decoded."
        ),
        example=(
            "window.YTD.tweets.part0 = [\n"
            '  {"tweet": {"id_str": "9", "full_text": "Enerlux &gt; de rest", "lang": "nl",\n'
            '             "created_at": "Wed Oct 10 20:19:24 +0000 2018", "favorite_count": "4"}}\n'
            "]\n"
        ),
    ),
    ExportFormat(
        name="Mastodon / ActivityPub `outbox.json`",
        file_name="outbox.json",
        notes=(
            "An ActivityStreams `OrderedCollection`: each `Create` gives its `Note`, HTML content becomes "
            "text; boosts (`Announce`) have no text of their own and are quarantined saying so."
        ),
        example=(
            '{"@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection",\n'
            ' "orderedItems": [{"type": "Create", "actor": "https://mastodon.example/users/anna",\n'
            '   "object": {"id": "https://mastodon.example/users/anna/statuses/1", "type": "Note",\n'
            '     "published": "2023-02-01T10:00:00Z", "url": "https://mastodon.example/@anna/1",\n'
            '     "content": "<p>Enerlux &amp; de storing</p>"}}]}\n'
        ),
    ),
    ExportFormat(
        name="JSON array",
        file_name="posts.json",
        notes="A file that is one array of objects, read as it streams in (files of any size).",
        example='[{"id": "p1", "text": "Enerlux is duur", "author": "anna", "date": "2024-06-01"}]\n',
    ),
    ExportFormat(
        name="Spreadsheet CSV (Dutch, semicolons, Windows-1252)",
        file_name="coosto-export.csv",
        notes=(
            "Delimiter and encoding are detected from the first 256 KiB (and said in the summary); "
            "dates like `01-10-2026 09:15` are day first."
        ),
        example="id;bericht;datum;auteur\n1;Enerlux rekent te veel;01-10-2026 09:15;Zoë\n",
    ),
)


def formats_markdown(heading: str = "##") -> list[str]:
    """The formats as Markdown sections, one example each."""
    lines: list[str] = []
    for each in EXPORT_FORMATS:
        lines += [f"{heading} {each.name}", "", each.notes, "", f"`{each.file_name}`:", "", "```"]
        lines += [*each.example.rstrip("\n").split("\n"), "```", ""]
    return lines
