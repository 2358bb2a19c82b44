import gzip
import io
from pathlib import Path

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
            detect_format(Path("export.xlsx"))


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
