import gzip
import io
from pathlib import Path

import orjson
import pytest

from luister.connectors.file_readers import (
    FileFormat,
    UnreadableFileError,
    detect_encoding,
    detect_format,
    read_csv,
    read_jsonl,
    sniff_delimiter,
)


def csv_items(content: bytes, encoding: str = "utf-8", **kwargs: object) -> list:
    return list(read_csv(io.BufferedReader(io.BytesIO(content)), encoding=encoding, **kwargs))  # type: ignore[arg-type]


def jsonl_items(content: bytes, encoding: str = "utf-8") -> list:
    return list(read_jsonl(io.BufferedReader(io.BytesIO(content)), encoding=encoding))


class TestDetection:
    @pytest.mark.parametrize(
        ("sample", "expected"),
        [
            (b"\xef\xbb\xbfid,text\n1,caf\xc3\xa9\n", "utf-8-sig"),
            ("id,text\n".encode("utf-16"), "utf-16"),
            (b"id,text\n1,caf\xc3\xa9\n", "utf-8"),
            (b"id;tekst\n1;caf\xe9 \x80 prijs\n", "cp1252"),
        ],
    )
    def test_encoding(self, sample: bytes, expected: str) -> None:
        assert detect_encoding(sample) == expected

    @pytest.mark.parametrize(
        ("sample", "expected"),
        [("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"), ("abc\n", ",")],
    )
    def test_delimiter(self, sample: str, expected: str) -> None:
        assert sniff_delimiter(sample) == expected

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("x.csv", FileFormat.csv),
            ("x.TSV", FileFormat.csv),
            ("x.jsonl.gz", FileFormat.jsonl),
            ("x.ndjson", FileFormat.jsonl),
        ],
    )
    def test_format(self, name: str, expected: FileFormat) -> None:
        assert detect_format(Path(name)) == expected

    def test_unknown_format_says_what_to_do(self) -> None:
        with pytest.raises(UnreadableFileError, match="--format"):
            detect_format(Path("export.numbers"))


class TestCsv:
    def test_rows_become_objects_with_line_positions(self) -> None:
        items = csv_items(b'id,text\n1,hallo\n2,"twee\nregels"\n3,drie\n')
        assert [i.position for i in items] == ["line 2", "line 3", "line 5"]
        assert items[1].data == {"id": "2", "text": "twee\nregels"}
        assert items[0].raw == '{"id":"1","text":"hallo"}'

    def test_wrong_width_rows_are_errors_and_reading_goes_on(self) -> None:
        items = csv_items(b"id,text,author\n1,a,x\n2,b\n3,c,z,extra\n4,d,y\n")
        assert [(i.position, i.error) for i in items] == [
            ("line 2", None),
            ("line 3", "expected 3 fields, found 2"),
            ("line 4", "expected 3 fields, found 4"),
            ("line 5", None),
        ]
        assert items[2].raw == "3,c,z,extra"

    def test_nul_byte_does_not_stop_reading(self) -> None:
        items = csv_items(b"id,text\n1,a\n2,b\x00c\n3,d\n")  # normalisation strips the NUL later
        assert [i.data for i in items] == [
            {"id": "1", "text": "a"},
            {"id": "2", "text": "b\x00c"},
            {"id": "3", "text": "d"},
        ]

    def test_bad_quoting_is_an_error_with_its_line_and_reading_goes_on(self) -> None:
        items = csv_items(b'id,text\n1,a\n2,"x"y\n3,d\n4,"nooit gesloten\n')
        assert [(i.position, i.error) for i in items] == [
            ("line 2", None),
            ("line 3", "unreadable CSV: ',' expected after '\"'"),
            ("line 4", None),
            ("line 5", "unreadable CSV: unexpected end of data"),
        ]
        assert items[1].raw == '2,"x"y'
        assert items[3].raw == '4,"nooit gesloten'

    def test_bad_bytes_in_a_utf8_file_reject_only_that_row(self) -> None:
        items = csv_items(b"id,text\n1,ok\n2,kapot \xff\xfe\n3,ook ok\n")
        assert [(i.position, i.error) for i in items] == [
            ("line 2", None),
            ("line 3", "invalid utf-8 bytes in the row"),
            ("line 4", None),
        ]

    def test_cp1252_semicolon_export(self) -> None:
        items = csv_items(
            "id;tekst\n1;€ 50 te veel betaald – schandalig\n".encode("cp1252"), encoding="cp1252"
        )
        assert items[0].data == {"id": "1", "tekst": "€ 50 te veel betaald – schandalig"}

    def test_bom_is_not_part_of_the_first_column(self) -> None:
        items = csv_items(b"\xef\xbb\xbfid,text\n1,a\n", encoding="utf-8-sig")
        assert items[0].data == {"id": "1", "text": "a"}

    def test_blank_lines_are_skipped(self) -> None:
        assert len(csv_items(b"id,text\n\n1,a\n,\n")) == 1

    def test_duplicate_header_is_refused(self) -> None:
        with pytest.raises(UnreadableFileError, match="repeats"):
            csv_items(b"id,id\n1,2\n")

    def test_empty_file_is_refused(self) -> None:
        with pytest.raises(UnreadableFileError, match="no header"):
            csv_items(b"")

    def test_progress_counts_bytes(self) -> None:
        content = b"id,text\n" + b"".join(b"%d,tekst %d\n" % (i, i) for i in range(2000))
        seen: list[int] = []
        csv_items(content, progress=seen.append)
        assert sum(seen) == len(content)


class TestJsonl:
    def test_good_bad_and_truncated_lines(self) -> None:
        items = jsonl_items(b'{"id": 1}\n\n[1, 2]\n{"id": \n"tekst"\n{"id": 2}\n{"id": 3, "text": "afgek')
        assert [(i.position, i.error is None) for i in items] == [
            ("line 1", True),
            ("line 3", False),
            ("line 4", False),
            ("line 5", False),
            ("line 6", True),
            ("line 7", False),
        ]
        assert items[1].error == "expected a JSON object, got list"
        assert items[-1].error is not None and items[-1].error.startswith("invalid JSON")
        assert items[-1].raw == '{"id": 3, "text": "afgek'

    def test_invalid_utf8_line_is_an_error(self) -> None:
        items = jsonl_items(b'{"id": 1}\n{"id": "\xff"}\n{"id": 3}\n')
        assert [i.error for i in items] == [None, "invalid utf-8 bytes at column 9", None]

    def test_bom_on_first_line(self) -> None:
        assert jsonl_items(b'\xef\xbb\xbf{"id": 1}\n', encoding="utf-8-sig")[0].data == {"id": 1}

    def test_utf16(self) -> None:
        content = '{"id": 1, "text": "café"}\n{"id": 2}\n'.encode("utf-16")
        assert [i.data for i in jsonl_items(content, encoding="utf-16")] == [
            {"id": 1, "text": "café"},
            {"id": 2},
        ]

    def test_gzip_files_are_read(self, tmp_path: Path) -> None:
        from luister.connectors.file_readers import open_binary

        path = tmp_path / "x.jsonl.gz"
        path.write_bytes(gzip.compress(b'{"id": 1}\n'))
        with open_binary(path) as stream:
            assert [i.data for i in read_jsonl(stream, encoding="utf-8")] == [{"id": 1}]


def read_path(path: Path, **kwargs: object) -> tuple:
    from luister.connectors.file_readers import open_binary, read_records

    with open_binary(path) as stream:
        shape, items = read_records(stream, path, **kwargs)  # type: ignore[arg-type]
        return shape, list(items)


class TestEncodingFromTheWholeSample:
    """Issue #24 defect 1 and #27 item 5: the sample is 256 KiB, not the reader's 4 KiB buffer."""

    def test_utf8_character_split_at_byte_4096_is_still_utf8(self, tmp_path: Path) -> None:
        header = b"id,text\n"
        filler = b"1," + b"a" * (4092 - len(header) - 3) + b"\n"  # row 2's "’" spans bytes 4095-4097
        rows = [filler] + [b"%d,J\xe2\x80\x99ai vu \xc3\xa9t\xc3\xa9 %d\n" % (i, i) for i in range(2, 400)]
        path = tmp_path / "tweets.csv"
        path.write_bytes(header + b"".join(rows))
        assert (header + b"".join(rows)).index("’".encode()) == 4095
        shape, items = read_path(path)
        assert shape.encoding == "utf-8"
        assert items[1].data["text"] == "J’ai vu été 2"
        assert all(item.error is None for item in items)

    def test_cp1252_accent_past_4_kib_is_found(self, tmp_path: Path) -> None:
        rows = [f"{i},gewone tekst {i}\n" for i in range(400)] + ["400,€ 50 te veel – café\n"]
        path = tmp_path / "export.csv"
        path.write_bytes(("id,text\n" + "".join(rows)).encode("cp1252"))
        assert path.stat().st_size > 4096
        shape, items = read_path(path)
        assert shape.encoding == "cp1252"
        assert items[-1].data == {"id": "400", "text": "€ 50 te veel – café"}

    def test_one_stray_byte_in_a_utf8_file_quarantines_its_line_only(self, tmp_path: Path) -> None:
        rows = [f"{i},Dag één, café, naïef {i}\n".replace(",", ";", 1) for i in range(50)]
        rows[20] = "20;een losse \x00byte\n"
        content = ("id;text\n" + "".join(rows)).encode().replace(b"\x00", b"\xe9")
        path = tmp_path / "mixed.csv"
        path.write_bytes(content)
        shape, items = read_path(path)
        assert shape.encoding == "utf-8"
        assert "invalid bytes" in shape.encoding_reason
        assert [i.position for i in items if i.error] == ["line 22"]
        assert items[0].data["text"] == "Dag één, café, naïef 0"

    def test_utf32_with_bom_is_not_read_as_utf16(self, tmp_path: Path) -> None:
        path = tmp_path / "wide.jsonl"
        path.write_bytes('{"id": 1, "text": "café"}\n{"id": 2, "text": "twee"}\n'.encode("utf-32"))
        shape, items = read_path(path)
        assert shape.encoding == "utf-32"
        assert [i.data for i in items] == [{"id": 1, "text": "café"}, {"id": 2, "text": "twee"}]

    def test_double_utf8_bom_keeps_the_first_row(self, tmp_path: Path) -> None:
        jsonl = tmp_path / "twice.jsonl"
        jsonl.write_bytes(b'\xef\xbb\xbf\xef\xbb\xbf{"id": 1}\n{"id": 2}\n')
        assert [i.data for i in read_path(jsonl)[1]] == [{"id": 1}, {"id": 2}]
        table = tmp_path / "twice.csv"
        table.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfid,text\n1,a\n")
        assert [i.data for i in read_path(table)[1]] == [{"id": "1", "text": "a"}]

    def test_the_reason_is_told(self) -> None:
        from luister.connectors.file_readers import choose_encoding

        assert choose_encoding(b"\xef\xbb\xbfid") == ("utf-8-sig", "UTF-8 byte order mark")
        assert choose_encoding(b"id;caf\xe9\n")[1].startswith("not UTF-8")


class TestUnbalancedQuote:
    """Issue #27 item 4: an open quote swallowed every following row."""

    def test_every_good_row_around_the_bad_one_is_read(self) -> None:
        rows = [f"{i},tekst {i},auteur{i}\n" for i in range(1, 101)]
        rows[9] = '10,"nooit gesloten,auteur10\n'
        rows[49] = '50,"ook "fout" hier,auteur50\n'
        rows[79] = '80,"twee\nregels",auteur80\n'  # a quoted line break is not an error
        items = csv_items(("id,text,author\n" + "".join(rows)).encode())
        bad = [(i.position, i.raw) for i in items if i.error]
        assert bad == [
            ("line 11", '10,"nooit gesloten,auteur10'),
            ("line 51", '50,"ook "fout" hier,auteur50'),
        ]
        good = [i.data["id"] for i in items if i.error is None]
        assert good == [str(n) for n in range(1, 101) if n not in (10, 50)]
        assert next(i for i in items if i.data and i.data["id"] == "80").data["text"] == "twee\nregels"
        assert next(i for i in items if i.data and i.data["id"] == "81").position == "line 83"


class TestJsonDocuments:
    """Issue #24 defect 7: arrays, ActivityStreams collections and archive parts, streamed."""

    def test_mastodon_outbox_ordered_collection(self, tmp_path: Path) -> None:
        outbox = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "outbox.json",
            "type": "OrderedCollection",
            "totalItems": 2,
            "orderedItems": [
                {
                    "id": "https://mastodon.example/users/anna/statuses/1/activity",
                    "type": "Create",
                    "actor": "https://mastodon.example/users/anna",
                    "published": "2023-02-01T10:00:00Z",
                    "object": {
                        "id": "https://mastodon.example/users/anna/statuses/1",
                        "type": "Note",
                        "published": "2023-02-01T10:00:00Z",
                        "url": "https://mastodon.example/@anna/1",
                        "attributedTo": "https://mastodon.example/users/anna",
                        "content": '<p>Stroom &amp; gas <a href="https://x.example">hier</a></p>',
                        "contentMap": {"nl": "<p>Stroom &amp; gas</p>"},
                    },
                },
                {
                    "id": "https://mastodon.example/users/anna/statuses/2/activity",
                    "type": "Announce",
                    "actor": "https://mastodon.example/users/anna",
                    "published": "2023-02-02T10:00:00Z",
                    "object": "https://other.example/users/bob/statuses/9",
                },
            ],
        }
        path = tmp_path / "outbox.json"
        path.write_bytes(orjson.dumps(outbox, option=orjson.OPT_INDENT_2))
        shape, items = read_path(path)
        assert shape.format == "json"
        assert items[0].data["content"].startswith("<p>Stroom")
        assert items[0].data["language"] == "nl"
        assert items[1].error is not None and "Announce" in items[1].error

    def test_twitter_archive_part_even_when_told_jsonl(self, tmp_path: Path) -> None:
        from luister.connectors.file_readers import FileFormat

        tweets = [
            {
                "tweet": {
                    "id_str": "1",
                    "full_text": "a &gt; b",
                    "created_at": "Wed Oct 10 20:19:24 +0000 2018",
                }
            },
            {"tweet": {"id_str": "2", "full_text": "tweede", "created_at": "Thu Oct 11 08:00:00 +0000 2018"}},
        ]
        path = tmp_path / "tweets.js"
        path.write_bytes(b"window.YTD.tweets.part0 = " + orjson.dumps(tweets, option=orjson.OPT_INDENT_2))
        shape, items = read_path(path, file_format=FileFormat.jsonl)
        assert shape.format == "json" and shape.notes
        assert [i.data["id_str"] for i in items] == ["1", "2"]
        assert shape.columns == ("id_str", "full_text", "created_at")

    def test_top_level_array_and_a_broken_tail(self, tmp_path: Path) -> None:
        path = tmp_path / "posts.json"
        path.write_bytes(b'[{"id": 1, "text": "een"},\n 3,\n {"id": 2, "text": "twee"}, {"id": 3, "te')
        _, items = read_path(path)
        assert [(i.position, i.error is None) for i in items] == [
            ("record 1", True), ("record 2", False), ("record 3", True), ("record 4", False)
        ]  # fmt: skip

    def test_an_object_without_records_is_refused_with_one_error(self, tmp_path: Path) -> None:
        path = tmp_path / "config.json"
        path.write_bytes(b'{\n "name": "x",\n "size": 3\n}\n')
        with pytest.raises(UnreadableFileError, match="list of records"):
            read_path(path)

    def test_json_lines_in_a_dot_json_file_stay_lines(self, tmp_path: Path) -> None:
        path = tmp_path / "pushshift.json"
        path.write_bytes(b'{"id": "a", "created_utc": 1600000000}\n{"id": "b", "created_utc": 1600000001}\n')
        shape, items = read_path(path)
        assert shape.format == "jsonl" and len(items) == 2


def test_zstandard_dumps_are_read(tmp_path: Path) -> None:
    """Issue #24, also decide: Pushshift publishes .zst dumps (with a long window)."""
    import zstandard

    lines = b"".join(
        b'{"id": "t%d", "created_utc": %d, "body": "tekst"}\n' % (n, 1600000000 + n) for n in range(3)
    )
    path = tmp_path / "RC_2020-09.zst"
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(lines))
    shape, items = read_path(path, file_format=FileFormat.jsonl)
    assert [i.data["id"] for i in items] == ["t0", "t1", "t2"]
    shape, items = read_path(tmp_path.joinpath("RC_2020-09.zst").rename(tmp_path / "RC_2020-09.jsonl.zst"))
    assert shape.format == "jsonl" and len(items) == 3


def test_a_utf16_json_array_is_read_as_a_document(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_bytes('[{"id": 1, "text": "café"}, {"id": 2, "text": "twee"}]'.encode("utf-16"))
    shape, items = read_path(path)
    assert (shape.format, shape.encoding) == ("json", "utf-16")
    assert [i.data for i in items] == [{"id": 1, "text": "café"}, {"id": 2, "text": "twee"}]
