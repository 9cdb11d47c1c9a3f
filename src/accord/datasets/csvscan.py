"""Accord's own reader for plain CSV files, with Arrow's reader behind it for the rest.

Why: parsing text into dictionaries is most of an import's time, and police.uk files are
plain (commas, a quote only around a whole cell, one line per row). The scanner in
``native/csvscan`` (Rust, no ``unsafe`` in the parser, no dependencies) reads that plain
shape in one pass, hashing each cell once with a key drawn for each file. Anything else
(a line break inside a quoted cell, a lone carriage return, a row of the wrong length, a
blank line, a flag spelled another way, ...) stops it, and :mod:`accord.datasets.csvfiles`
reads the file with Arrow as before: every refusal, and every message, still comes from
there. Decision 0025 records the trade.

What it accepts it returns exactly as Arrow would with ``csvfiles.read_table``'s
options: the same columns, dictionaries in the same order, the same nulls
(``tests/datasets/test_csvscan.py`` compares the two on generated and real files).

The library is built by ``make install`` when Rust is on the machine. Without it, imports
use Arrow alone (slower, same results); ``make test`` insists on it
(``ACCORD_REQUIRE_CSVSCAN``), so CI cannot quietly test only the fallback.
"""

from __future__ import annotations

import ctypes
import enum
import functools
import logging
import os
import secrets
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import pyarrow as pa

logger = logging.getLogger(__name__)

#: Where ``make install`` builds the library; ``ACCORD_CSVSCAN`` may name another file.
BUILT = (
    Path(__file__).resolve().parents[3]
    / "native"
    / "csvscan"
    / "target"
    / "release"
    / "libaccord_csvscan.so"
)
#: How many bytes the scanner reads between progress reports (Arrow's block size).
STEP = 4 << 20

_SKIP, _TEXT, _FLAG = 0, 1, 2


class Bail(enum.IntEnum):
    """Why the scanner left a file to Arrow (``native/csvscan/src/scan.rs``)."""

    QUOTE = 1
    QUOTED_LINE_BREAK = 2
    LONE_CARRIAGE_RETURN = 3
    CELL_COUNT = 4
    BLANK_LINE = 5
    LONG_ROW = 6
    FLAG_SPELLING = 7
    TOO_LARGE = 8
    EMPTY = 9
    PANIC = 10
    #: Not from the scanner: a dictionary value is not UTF-8 (Arrow's path says where).
    NOT_UTF8 = 100
    #: Not from the scanner: the library is not built, or the file is empty.
    UNAVAILABLE = 101
    #: Not from the scanner: Arrow would not take what it returned (a bug, logged).
    REFUSED_BY_ARROW = 102
    #: Not from the scanner: the columns asked for are not some of the header's distinct
    #: names in its order. Arrow reads those otherwise (every column when none is named,
    #: in the order named, the first of two of one name) or refuses them.
    COLUMNS = 103


class _View(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_uint8),
        ("nulls", ctypes.c_size_t),
        ("values", ctypes.c_void_p),
        ("values_bytes", ctypes.c_size_t),
        ("valid", ctypes.c_void_p),
        ("valid_bytes", ctypes.c_size_t),
        ("words", ctypes.c_size_t),
        ("offsets", ctypes.c_void_p),
        ("data", ctypes.c_void_p),
        ("data_bytes", ctypes.c_size_t),
    ]


@functools.cache
def library() -> ctypes.CDLL | None:
    """The scanner library, or None when it is not built (imports then use Arrow alone)."""
    path = Path(os.environ.get("ACCORD_CSVSCAN") or BUILT)
    if not path.is_file():
        return None
    try:
        lib = ctypes.CDLL(str(path))
        lib.csvscan_new  # noqa: B018 (a library without it is not the scanner)
    except (OSError, AttributeError) as error:
        logger.warning("The CSV scanner at %s cannot be loaded (%s): using Arrow.", path, error)
        return None
    lib.csvscan_new.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint64,
        ctypes.c_uint64,
    ]
    lib.csvscan_new.restype = ctypes.c_void_p
    lib.csvscan_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]
    lib.csvscan_run.restype = ctypes.c_int64
    lib.csvscan_rows.argtypes = [ctypes.c_void_p]
    lib.csvscan_rows.restype = ctypes.c_size_t
    lib.csvscan_column.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(_View)]
    lib.csvscan_column.restype = None
    lib.csvscan_free.argtypes = [ctypes.c_void_p]
    lib.csvscan_free.restype = None
    return lib


def available() -> bool:
    return library() is not None


class _Owner:
    """Keeps a scan's memory alive while Arrow buffers point into it; frees it after."""

    def __init__(self, lib: ctypes.CDLL, handle: int) -> None:
        self.lib = lib
        self.handle = handle

    def __del__(self) -> None:
        self.lib.csvscan_free(self.handle)


def read(
    path: Path,
    header: Sequence[str],
    include: Collection[str],
    flags: Collection[str],
    on_progress: Callable[[int], None] | None = None,
) -> pa.Table | Bail:
    """The file's ``include`` columns as ``csvfiles.read_table`` reads them, or why not.

    ``flags`` columns are read as booleans; if one is spelled another way the file is
    scanned again with every column as text, as ``read_table`` does with Arrow.
    """
    lib = library()
    if lib is None:
        return Bail.UNAVAILABLE
    wanted = set(include)
    chosen = [name for name in header if name in wanted]
    if not chosen or chosen != list(include) or len(set(header)) != len(header):
        return Bail.COLUMNS
    flagged = set(flags)
    try:
        result = _scan(lib, path, _kinds(header, wanted, flagged), chosen, on_progress)
        if result is Bail.FLAG_SPELLING:
            result = _scan(lib, path, _kinds(header, wanted, set()), chosen, on_progress)
    except pa.ArrowException:
        # A bug in the scanner, not a problem with the file: Arrow reads it instead.
        logger.exception("csvscan returned arrays Arrow refuses for %s", path.name)
        return Bail.REFUSED_BY_ARROW
    if isinstance(result, Bail):
        logger.debug("csvscan left %s to Arrow: %s", path.name, result.name)
    return result


def _kinds(header: Sequence[str], wanted: set[str], flags: set[str]) -> bytes:
    """How the scanner reads each column. Sets, not lists: a file may have tens of
    thousands of columns, and a list would make each lookup a pass over them."""
    return bytes(
        _SKIP if name not in wanted else _FLAG if name in flags else _TEXT for name in header
    )


def _scan(
    lib: ctypes.CDLL,
    path: Path,
    kinds: bytes,
    names: list[str],
    on_progress: Callable[[int], None] | None,
) -> pa.Table | Bail:
    """The columns ``kinds`` does not skip, named ``names`` (in the header's order)."""
    with pa.memory_map(str(path)) as source:
        size = source.size()
        if size == 0:
            return Bail.UNAVAILABLE
        data = source.read_buffer()
        handle = lib.csvscan_new(kinds, len(kinds), secrets.randbits(64), secrets.randbits(64))
        if not handle:
            return Bail.PANIC
        owner = _Owner(lib, handle)
        position = 0
        while position < size:
            position = lib.csvscan_run(handle, data.address, size, position + STEP)
            if position < 0:
                return Bail(-position) if -position in Bail else Bail.PANIC
            if on_progress is not None:
                on_progress(position)
        rows = lib.csvscan_rows(handle)
        arrays = [
            _column(lib, owner, index, rows) for index, kind in enumerate(kinds) if kind != _SKIP
        ]
    if any(array is None for array in arrays):
        return Bail.NOT_UTF8
    return pa.table([a for a in arrays if a is not None], names=names)


def _buffer(owner: _Owner, address: int | None, size: int) -> pa.Buffer:
    if not size or address is None:
        return pa.py_buffer(b"")
    return pa.foreign_buffer(address, size, base=owner)


def _column(lib: ctypes.CDLL, owner: _Owner, index: int, rows: int) -> pa.Array | None:
    """Column ``index`` as an Arrow array over the scan's memory (no copy); None if its
    text is not UTF-8."""
    view = _View()
    lib.csvscan_column(owner.handle, index, ctypes.byref(view))
    valid = _buffer(owner, view.valid, view.valid_bytes) if view.nulls else None
    values = _buffer(owner, view.values, view.values_bytes)
    if view.kind == _FLAG:
        return pa.Array.from_buffers(pa.bool_(), rows, [valid, values], null_count=view.nulls)
    indices = pa.Array.from_buffers(pa.int32(), rows, [valid, values], null_count=view.nulls)
    dictionary = pa.Array.from_buffers(
        pa.string(),
        view.words,
        [
            None,
            _buffer(owner, view.offsets, (view.words + 1) * 4),
            _buffer(owner, view.data, view.data_bytes),
        ],
    )
    try:
        dictionary.validate(full=True)  # UTF-8, once per distinct value, as Arrow's path
    except pa.ArrowInvalid:
        return None
    return pa.DictionaryArray.from_arrays(indices, dictionary)


__all__ = ["BUILT", "STEP", "Bail", "available", "library", "read"]
