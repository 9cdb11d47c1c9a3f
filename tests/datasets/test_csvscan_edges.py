"""Edge cases for Accord's CSV scanner: what it reads must be Arrow's table, exactly.

``test_csvscan.py`` draws small files at random; these are the shapes found by reading
the scanner (``native/csvscan``) against Arrow's reader: bytes at the 64-byte block
boundaries the scanner's masks work in, Arrow's 4 MiB blocks, the row limit, byte-order
marks, flags, and files of very many columns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pytest

from accord.datasets import csvscan
from accord.datasets.csvfiles import _header_problems, read_header, read_table
from accord.datasets.files import InputFile
from tests.datasets.test_csvscan import _arrow

pytestmark = pytest.mark.skipif(
    not csvscan.available() and not os.environ.get("ACCORD_REQUIRE_CSVSCAN"),
    reason="the CSV scanner is not built here (it needs Rust); make test requires it",
)


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "edge.csv"
    path.write_bytes(data)
    return path


def _header(path: Path) -> list[str]:
    return read_header(InputFile(path, path.name, "csv"))


def _same(
    tmp_path: Path,
    data: bytes,
    *,
    include: Sequence[str] | None = None,
    flags: Sequence[str] = (),
    header: Sequence[str] | None = None,
) -> pa.Table:
    """The scanner reads ``data`` (it does not bail) into exactly Arrow's table."""
    path = _write(tmp_path, data)
    names = list(header) if header is not None else _header(path)
    columns = list(include) if include is not None else names
    scanned = csvscan.read(path, names, columns, list(flags))
    assert isinstance(scanned, pa.Table), scanned
    expected = _arrow(path, names, columns, list(flags))
    assert scanned.schema == expected.schema
    assert scanned.equals(expected)
    return scanned


def _left(tmp_path: Path, data: bytes, *, flags: Sequence[str] = ()) -> csvscan.Bail:
    path = _write(tmp_path, data)
    names = _header(path)
    scanned = csvscan.read(path, names, names, list(flags))
    assert isinstance(scanned, csvscan.Bail), scanned.to_pydict()
    return scanned


# Found in review: the scanner's Python side looked each column name up in lists, so a
# file of many columns took time in the square of their number before Arrow's own read
# (30,000 columns: about 16 s against Arrow's 0.8 s). Names are looked up in sets now.


class _NoLookups(list[str]):
    """A list of names that must not be searched name by name (each search is a pass)."""

    def __contains__(self, name: object) -> bool:
        raise AssertionError("a column name was looked up in a list")


def test_a_file_of_very_many_columns_is_scanned_without_a_pass_per_column(
    tmp_path: Path,
) -> None:
    """30,000 columns took 15 s of Python (Arrow: 0.3 s) when every column's name was
    looked up in the list of names to read: the lists are turned into sets first."""
    header = [f"c{i}" for i in range(30_000)]
    row = ",".join("x" if i % 3 else "" for i in range(len(header))).encode()
    path = _write(tmp_path, ",".join(header).encode() + b"\n" + row + b"\n" + row + b"\n")
    include = header[::2]
    scanned = csvscan.read(path, header, _NoLookups(include), _NoLookups(header[1::4]))
    assert isinstance(scanned, pa.Table), scanned
    assert scanned.equals(_arrow(path, header, include, []))  # "x" is no flag: text


# Differential checks of shapes the scanner already reads right (regression guards).


@pytest.mark.parametrize(
    "piece",
    [
        b"\r\n",  # CRLF split across a block
        b'"q,""u"""',  # a quoted cell (doubled quotes, a comma) across a block
        b'""',  # quoted empty
        b"\xc3\xa9",  # two-byte UTF-8
        b"\xe2\x82\xac",  # three-byte
        b"\xf0\x9f\x98\x80",  # four-byte
        b" \t ",
    ],
)
def test_every_position_of_a_block_boundary_reads_alike(tmp_path: Path, piece: bytes) -> None:
    """Rows of every length from 1 to 140 bytes put each piece at every offset of the
    scanner's 64-byte blocks, once as a whole cell and once inside a longer one."""
    rows = [b"a,b,c"]
    for pad in range(1, 141):
        if piece.startswith(b'"'):
            rows.append(b"x" * pad + b"," + piece + b",e")
        elif piece == b"\r\n":
            rows.append(b"x" * pad + b",y,z")
        else:
            rows.append(b"x" * pad + b"," + piece + b"," + piece + b"x" * (pad % 7))
    separator = b"\r\n" if piece == b"\r\n" else b"\n"
    _same(tmp_path, separator.join(rows) + separator)
    _same(tmp_path, separator.join(rows), include=["b"])


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,2",  # no line end after the last row
        b"a,b\r\n1,2\r\n3,",  # an empty last cell and no line end
        b'a,b\n1,"x"',  # a quoted last cell, then the end of the file
        b'a,b\n1,"x"\r\n2,""\r\n',  # a quoted cell before CRLF; quoted empty
        b'a,b\n"",""\n',
        b"a,b\n ,\t\n\t, \n",  # only spaces or tabs: kept, not null
        b"\xef\xbb\xbfa,b\n1,2\n",  # a UTF-8 byte-order mark before the header
        b'"a","b ""c"""\n1,2\n',  # a quoted header
        b"a\nx\n\xc3\xa9\nx",  # one column
        b'a\n""\nx\n',
        b"a,b\n\x00,x\x00y\n",  # NUL is read alike (read_table refuses it afterwards)
        b"a,b\nnull,NA\nNaN,N/A\n",  # no null spellings but the empty cell
    ],
)
def test_awkward_but_plain_files_read_alike(tmp_path: Path, data: bytes) -> None:
    _same(tmp_path, data)


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,2\r",  # CR as the last byte
        b"a,b\n1,2\r\n\r\n",  # a blank last line
        b'\xef\xbb\xbf"a",b\n1,2\n',  # a mark before a quoted header (Arrow reads it)
        b'a,b\n1,"x" \n',  # a space after the closing quote
        b'a,b\n1, "x"\n',  # and before the opening one
    ],
)
def test_shapes_left_to_arrow(tmp_path: Path, data: bytes) -> None:
    _left(tmp_path, data)


def test_flags_in_every_spelling_read_alike(tmp_path: Path) -> None:
    rows = [b"TRUE", b"True", b"true", b"FALSE", b"False", b"false", b"", b'""', b'"TRUE"']
    data = b"a,f\n" + b"".join(b"%d,%s\n" % (i, cell) for i, cell in enumerate(rows))
    scanned = _same(tmp_path, data, flags=["f"])
    assert scanned["f"].to_pylist() == [True, True, True, False, False, False, None, None, True]


@pytest.mark.parametrize("odd", [b" TRUE", b"TRUE ", b"tRUE", b"1", b"T", b"yes", b" "])
def test_a_flag_arrow_does_not_take_is_read_as_text_by_both(tmp_path: Path, odd: bytes) -> None:
    scanned = _same(tmp_path, b"a,f\n1,TRUE\n2," + odd + b"\n3,\n", flags=["f"])
    assert pa.types.is_dictionary(scanned["f"].type)


def test_a_file_of_three_hundred_columns_reads_alike(tmp_path: Path) -> None:
    header = [f"c{i}" for i in range(300)]
    spellings = [b"TRUE", b"", b"false", b'"x,y"', b"\xc3\xa9", b'""']
    lines = [",".join(header).encode()]
    for r in range(60):
        lines.append(b",".join(spellings[(r * i + i) % 6] for i in range(300)))
    data = b"\r\n".join(lines) + b"\r\n"
    include = [name for i, name in enumerate(header) if i % 5]
    flags = [name for i, name in enumerate(header) if i % 5 == 1]
    _same(tmp_path, data, header=header, include=include, flags=flags)
    _same(tmp_path, data, header=header)


def test_bytes_not_utf8_in_a_skipped_column_are_not_read(tmp_path: Path) -> None:
    data = b"a,b\nx,\xff\xfe\ny,\xc3\n"
    _same(tmp_path, data, include=["a"])
    assert csvscan.read(_write(tmp_path, data), ["a", "b"], ["a", "b"], ()) is (
        csvscan.Bail.NOT_UTF8
    )


def test_dictionaries_keep_arrows_order_across_its_four_mib_blocks(tmp_path: Path) -> None:
    """Arrow builds a dictionary for each 4 MiB block and merges them: values new in a
    later block come after the earlier blocks' values, in the order they appear."""
    rows = [
        b"%d,street %d,%s\n" % (i % 5, i % 3, b"TRUE" if i % 2 else b"") for i in range(700_000)
    ]
    rows.insert(690_000, b"late,late street,FALSE\n")
    rows.insert(450_000, b"middle,middle street,\n")
    rows.append(b"last,,\n")
    data = b"n,street,flag\n" + b"".join(rows)
    assert len(data) > 2 * (4 << 20)
    scanned = _same(tmp_path, data, flags=["flag"])
    assert scanned["n"].chunk(0).dictionary.to_pylist()[-3:] == ["middle", "late", "last"]


def test_rows_up_to_the_limit_read_alike_across_arrows_blocks(tmp_path: Path) -> None:
    limit = 1 << 20
    whole = b"1," + b"\xc3\xa9" * ((limit - 4) // 2) + b"\r\n"  # exactly the limit
    assert len(whole) == limit
    data = b"a,b\r\n" + (whole + b"2,x\r\n") * 6
    _same(tmp_path, data, include=["a"])
    _same(tmp_path, data)
    over = b"1," + b"x" * (limit - 3) + b"\r\n"
    assert len(over) == limit + 1
    assert _left(tmp_path, b"a,b\r\n" + over) is csvscan.Bail.LONG_ROW


# Found in review: csvscan.read took any choice of columns, but Arrow's include_columns
# reads every column when given none, returns them in the order asked, refuses a name
# not in the file, and takes the first of two columns of one name. Anything but the
# header's own names in its own order is now left to Arrow.


def _alike_or_left(path: Path, header: list[str], include: list[str]) -> None:
    scanned = csvscan.read(path, header, include, ())
    if isinstance(scanned, csvscan.Bail):
        return
    try:
        expected = _arrow(path, header, include, [])
    except pa.ArrowException as error:
        pytest.fail(f"the scanner read what Arrow refuses: {error}")
    assert scanned.schema == expected.schema
    assert scanned.equals(expected)


@pytest.mark.parametrize(
    ("header", "include"),
    [
        (["a", "b", "c"], []),  # Arrow then reads every column
        (["a", "b", "c"], ["c", "a"]),  # Arrow's order is the one asked for
        (["a", "b", "c"], ["a", "zz"]),  # Arrow refuses a column the file does not have
        (["a", "b", "a"], ["a"]),  # Arrow reads the first of the two
        (["a", "b", "c"], ["a", "a"]),
    ],
)
def test_a_choice_of_columns_arrow_reads_otherwise_is_left_to_it(
    tmp_path: Path, header: list[str], include: list[str]
) -> None:
    path = _write(tmp_path, b"a,b,c\n1,2,3\n4,5,6\n")
    _alike_or_left(path, header, include)


def test_no_column_to_read_gives_read_table_arrows_table(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a,b\n1,2\n3,4\n")
    table = read_table(InputFile(path, path.name, "csv"), ["a", "b"], skip=["a", "b"])
    assert table.to_pydict() == {"a": ["1", "3"], "b": ["2", "4"]}


class _NoCount(list[str]):
    """Header names that must not be counted one by one (each count is a pass)."""

    def count(self, name: str) -> int:
        raise AssertionError("a name was counted with a pass over the header")


def test_a_header_of_very_many_columns_is_checked_without_a_pass_per_column() -> None:
    """``names.count(n)`` for every name took 32 s for 50,000 columns."""
    names = _NoCount([f"c{i}" for i in range(50_000)] + ["c7", ""])
    problems = _header_problems(names, "wide.csv")
    assert len(problems) == 2
    assert "column 50002 has no name in the header row." in problems[0].message
    assert "names 'c7' more than once" in problems[1].message
