"""Accord's CSV scanner reads what Arrow reads, exactly, or leaves the file to Arrow.

The scanner (``native/csvscan``, loaded by :mod:`accord.datasets.csvscan`) is only a
faster way to the same table: these tests hold it to Arrow's result on generated files
(every awkward byte a CSV can hold) and on the police.uk fixtures, and check that every
shape it does not take goes back to Arrow with the reason named.
"""

from __future__ import annotations

import gc
import gzip
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accord.datasets import csvscan
from accord.datasets.csvfiles import _BLOCK, _convert, _read, read_header, read_table
from accord.datasets.files import InputFile
from tests.datasets.conftest import REAL

FIXTURES = Path(__file__).parent / "fixtures"

needs_scanner = pytest.mark.skipif(
    not csvscan.available() and not os.environ.get("ACCORD_REQUIRE_CSVSCAN"),
    reason="the CSV scanner is not built here (it needs Rust); make test requires it",
)


def test_scanner_is_built_where_make_test_requires_it() -> None:
    if os.environ.get("ACCORD_REQUIRE_CSVSCAN"):
        assert csvscan.available(), f"build it with `make csvscan` ({csvscan.BUILT})"
    else:
        assert csvscan.available() == csvscan.BUILT.is_file() or bool(
            os.environ.get("ACCORD_CSVSCAN")
        )


def _arrow(path: Path, header: Sequence[str], include: list[str], flags: list[str]) -> pa.Table:
    """What ``read_table``'s Arrow path gives for the same options (flags: all or none)."""
    options = pacsv.ReadOptions(column_names=list(header), skip_rows=1, block_size=_BLOCK)
    file = InputFile(path, path.name, "csv")
    if flags:
        try:
            return _read(file, options, _convert(header, include, flags), None)
        except pa.ArrowInvalid:
            pass
    return _read(file, options, _convert(header, include, ()), None)


def _scan(data: bytes, include: list[str] | None = None, flags: Sequence[str] = ()) -> object:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scan.csv"
        path.write_bytes(data)
        header = read_header(InputFile(path, path.name, "csv"))
        return csvscan.read(path, header, include or header, flags)


# Cells made of the bytes that matter to a CSV reader, and some that matter to nobody.
_PLAIN = ["a", "Z", " ", "é", "😀", "\t", "TRUE", "True", "true", "FALSE", "False", "false"]
_PLAIN += ["yes", "0", "-0.1", "2022-06-01T00:30:00+01:00"]
_ONE_LINE = [*_PLAIN, ",", '"', '""']
_ANY = [*_ONE_LINE, "\n", "\r", "\r\n"]


def _joined(pieces: list[str]) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(pieces), max_size=4).map(lambda p: "".join(p).encode())


def _quoted(text: bytes) -> bytes:
    return b'"' + text.replace(b'"', b'""') + b'"'


_clean_cell = st.one_of(
    _joined(_PLAIN),  # as police.uk writes most cells
    _joined(_PLAIN),
    _joined(_ONE_LINE).map(_quoted),  # quoted properly
)
_any_cell = st.one_of(
    _clean_cell,
    _joined(_ANY),  # written as it is: may break the row, and then the scanner must give up
    _joined(_ANY).map(_quoted),  # perhaps a line break in quotes
    st.binary(max_size=6),  # any bytes: not UTF-8, NUL, ...
)


@st.composite
def _files(draw: st.DrawFn) -> tuple[list[str], bytes]:
    """A header and a file: about half of them well-formed, the rest perhaps not."""
    columns = draw(st.integers(min_value=1, max_value=5))
    cell = draw(st.sampled_from([_clean_cell, _any_cell]))
    header = [f"c{i}" for i in range(columns)]
    lines = [",".join(header).encode()]
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        count = draw(st.sampled_from([columns] * 20 + [columns - 1, columns + 1]))
        if cell is _clean_cell:
            count = columns
        lines.append(b",".join(draw(cell) for _ in range(max(count, 1))))
    separator = draw(st.sampled_from([b"\n", b"\r\n"]))
    ending = draw(st.sampled_from([b"\n", b"\r\n", b""]))
    return header, separator.join(lines) + ending


@needs_scanner
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    file=_files(),
    kinds=st.lists(st.sampled_from(["text", "flag", "skip"]), min_size=5, max_size=5),
)
def test_what_the_scanner_returns_is_what_arrow_returns(
    file: tuple[list[str], bytes], kinds: list[str]
) -> None:
    header, data = file
    include = [h for h, kind in zip(header, kinds, strict=False) if kind != "skip"] or header[:1]
    flags = [h for h, kind in zip(header, kinds, strict=False) if kind == "flag" and h in include]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.csv"
        path.write_bytes(data)
        scanned = csvscan.read(path, header, include, flags)
        if isinstance(scanned, csvscan.Bail):
            event(f"left to Arrow: {scanned.name}")
            return  # read_table then reads it with Arrow, exactly as before
        event("read by the scanner")
        try:
            expected = _arrow(path, header, include, flags)
        except pa.ArrowInvalid as error:
            pytest.fail(f"the scanner read a file Arrow refuses ({error}): {data!r}")
        assert scanned.schema == expected.schema, data
        assert scanned.equals(expected), data


@needs_scanner
def test_well_formed_files_are_read_by_the_scanner_not_left_to_arrow() -> None:
    """The generated files above must not all be left to Arrow: these are read by it."""
    data = b'a,b,c\n1,"x, y",TRUE\n2,"say ""hi""",\n,,FALSE\n3,\xc3\xa9,true\r\n4,z,False'
    scanned = _scan(data, flags=["c"])
    assert isinstance(scanned, pa.Table)
    assert scanned.to_pydict() == {
        "a": ["1", "2", None, "3", "4"],
        "b": ["x, y", 'say "hi"', None, "é", "z"],
        "c": [True, None, False, True, False],
    }
    assert scanned.schema.field("a").type == pa.dictionary(pa.int32(), pa.string())


@pytest.mark.parametrize(
    ("data", "bail"),
    [
        (b'a,b\n1,x"y\n', csvscan.Bail.QUOTE),
        (b'a,b\n1,"x"y\n', csvscan.Bail.QUOTE),
        (b'a,b\n1,"never closed\n', csvscan.Bail.QUOTED_LINE_BREAK),
        (b'a,b\n1,"open', csvscan.Bail.QUOTE),
        (b'a,b\n1,"two\nlines"\n', csvscan.Bail.QUOTED_LINE_BREAK),
        (b"a,b\r1,2\r", csvscan.Bail.LONE_CARRIAGE_RETURN),
        (b"a,b\n1,2\r3,4\n", csvscan.Bail.LONE_CARRIAGE_RETURN),
        (b"a,b\n1,2,3\n", csvscan.Bail.CELL_COUNT),
        (b"a,b\n1\n", csvscan.Bail.CELL_COUNT),
        (b"a,b\n1,2\n\n3,4\n", csvscan.Bail.BLANK_LINE),
        (b"a,b\n1,2\n\n", csvscan.Bail.BLANK_LINE),
        (b"a,b\n", csvscan.Bail.EMPTY),
        (b"a,b", csvscan.Bail.EMPTY),
        (b"a,b\n1," + b"x" * (1 << 20) + b"\n", csvscan.Bail.LONG_ROW),
        (b"a,b\n1,\xff\n", csvscan.Bail.NOT_UTF8),
        (b"", csvscan.Bail.UNAVAILABLE),
    ],
)
@needs_scanner
def test_what_the_scanner_does_not_take_is_left_to_arrow_with_its_reason(
    data: bytes, bail: csvscan.Bail
) -> None:
    if not data:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "empty.csv"
            path.write_bytes(b"")
            assert csvscan.read(path, ["a"], ["a"], ()) is bail
        return
    assert _scan(data) is bail


@needs_scanner
def test_a_flag_spelled_another_way_is_read_again_as_text() -> None:
    scanned = _scan(b"a,b\n1,TRUE\n2,Y\n", flags=["b"])
    assert isinstance(scanned, pa.Table)
    assert scanned["b"].type == pa.dictionary(pa.int32(), pa.string())
    assert scanned["b"].to_pylist() == ["TRUE", "Y"]


@needs_scanner
def test_a_skipped_column_is_not_read_but_still_counted() -> None:
    scanned = _scan(b'a,b,c\n1,"x,y",3\n4,5,6\n', include=["a", "c"])
    assert isinstance(scanned, pa.Table)
    assert scanned.column_names == ["a", "c"]
    assert scanned.to_pydict() == {"a": ["1", "4"], "c": ["3", "6"]}


@needs_scanner
@pytest.mark.parametrize(
    "name", ["london_stops_sample_api.csv", "london_stops_sample_download.csv"]
)
def test_police_uk_fixtures_are_read_by_the_scanner_exactly_as_by_arrow(name: str) -> None:
    path = FIXTURES / name
    header = read_header(InputFile(path, name, "csv"))
    scanned = csvscan.read(path, header, header, ())
    assert isinstance(scanned, pa.Table), scanned
    assert scanned.equals(_arrow(path, header, header, []))


@needs_scanner
def test_the_table_outlives_the_scan_that_made_it() -> None:
    """Arrow's buffers point into the scanner's memory: it must be kept until they go."""
    table = _scan(b"a,b\nx,TRUE\ny,\nx,FALSE\n", flags=["b"])
    assert isinstance(table, pa.Table)
    gc.collect()
    junk = [bytearray(4096) for _ in range(2000)]  # reuse freed memory, if it was freed
    assert table.to_pydict() == {"a": ["x", "y", "x"], "b": [True, None, False]}
    del junk


@needs_scanner
def test_progress_is_reported_forwards_only_when_the_scanner_gives_up_late(
    tmp_path: Path,
) -> None:
    """A file that goes wrong near its end: the scanner reports progress, gives up, and
    Arrow starts again from the top. The bar must not jump back."""
    rows = b"".join(b"%d,some text here,TRUE\n" % i for i in range(400_000))
    path = tmp_path / "late.csv"
    path.write_bytes(b"n,text,flag\n" + rows + b'1,x"y,TRUE\n')
    file = InputFile(path, path.name, "csv")
    seen: list[int] = []
    table = read_table(file, read_header(file), flags=["flag"], on_progress=seen.append)
    assert table.num_rows == 400_001
    assert table["text"][-1].as_py() == 'x"y'
    assert len(seen) > 2
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
    assert seen[-1] == path.stat().st_size


@needs_scanner
def test_read_table_uses_the_scanner_for_a_plain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without this, a scanner that always gave up would pass every other test."""
    path = tmp_path / "plain.csv"
    path.write_bytes(b"a,b\n1,2\n")
    file = InputFile(path, path.name, "csv")

    def no_arrow(*args: object, **kwargs: object) -> pa.Table:
        raise AssertionError("Arrow read a file the scanner takes")

    monkeypatch.setattr("accord.datasets.csvfiles._read", no_arrow)
    assert read_table(file, ["a", "b"]).to_pydict() == {"a": ["1"], "b": ["2"]}


@needs_scanner
@pytest.mark.skipif(
    not (REAL / "stop_and_search").is_dir(),
    reason="the real data in /work/shared/data/real is not available here",
)
@pytest.mark.parametrize(
    "path", sorted((REAL / "stop_and_search").glob("*.csv*")), ids=lambda path: path.name
)
def test_the_real_files_are_read_by_the_scanner_exactly_as_by_arrow(
    path: Path, tmp_path: Path
) -> None:
    plain = tmp_path / path.name.removesuffix(".gz")
    plain.write_bytes(
        gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    )
    header = read_header(InputFile(plain, plain.name, "csv"))
    scanned = csvscan.read(plain, header, header, ())
    assert isinstance(scanned, pa.Table), scanned
    assert scanned.num_rows > 100_000
    assert scanned.equals(_arrow(plain, header, header, []))


@pytest.mark.parametrize("broken", ["not a library", None])
def test_without_a_loadable_scanner_imports_use_arrow(
    broken: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanner built for another machine, or not built at all, costs speed, not imports."""
    library = tmp_path / "libaccord_csvscan.so"
    if broken is not None:
        library.write_text(broken)
    monkeypatch.setenv("ACCORD_CSVSCAN", str(library))
    csvscan.library.cache_clear()
    try:
        assert not csvscan.available()
        path = tmp_path / "plain.csv"
        path.write_bytes(b"a,b\n1,TRUE\n")
        assert csvscan.read(path, ["a", "b"], ["a", "b"], ()) is csvscan.Bail.UNAVAILABLE
        file = InputFile(path, path.name, "csv")
        assert read_table(file, ["a", "b"], flags=["b"]).to_pydict() == {"a": ["1"], "b": [True]}
    finally:
        monkeypatch.delenv("ACCORD_CSVSCAN")
        csvscan.library.cache_clear()


@needs_scanner
def test_a_file_of_over_a_million_rows_is_read_alike(tmp_path: Path) -> None:
    """Past a million rows the scanner reserves its columns in huge pages: same table."""
    rows = 1_100_000
    body = b"".join(
        b"%d,street %d,%s\n" % (i % 50_000, i % 7, b"TRUE" if i % 3 else b"") for i in range(rows)
    )
    path = tmp_path / "many.csv"
    path.write_bytes(b"n,street,flag\n" + body)
    header = ["n", "street", "flag"]
    scanned = csvscan.read(path, header, header, ["flag"])
    assert isinstance(scanned, pa.Table), scanned
    assert scanned.num_rows == rows
    assert scanned.equals(_arrow(path, header, header, ["flag"]))


@needs_scanner
def test_arrays_arrow_refuses_are_a_bug_logged_and_arrow_reads_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(*args: object) -> pa.Array:
        raise pa.ArrowInvalid("index out of bounds")

    monkeypatch.setattr(csvscan, "_column", refused)
    path = tmp_path / "plain.csv"
    path.write_bytes(b"a,b\n1,x\n")
    assert csvscan.read(path, ["a", "b"], ["a", "b"], ()) is csvscan.Bail.REFUSED_BY_ARROW
    assert "csvscan returned arrays Arrow refuses" in caplog.text
    file = InputFile(path, path.name, "csv")
    assert read_table(file, ["a", "b"]).to_pydict() == {"a": ["1"], "b": ["x"]}
