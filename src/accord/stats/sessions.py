"""Hardened DuckDB connections kept for reuse, one per thread and set of files.

Opening a DuckDB database costs about 10 ms, and reading a file's schema a few more,
which is a large share of a query over a few million rows. So :func:`reading` (what the
high-level API uses) keeps each thread's hardened connections
(:func:`accord.stats.inputs.open_duckdb`), one per exact set of allowed files, together
with the views over those files while they are unchanged. The allow-list of a kept
connection never grows: a call on other files gets its own connection. In-memory sources
are registered for one call only.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from accord.stats.encoding import encode_keys
from accord.stats.inputs import (
    Source,
    _check_path,
    _is_path,
    _read_file,
    _to_arrow,
    _unique_name,
    open_duckdb,
    read_all,
)

__all__ = ["reading"]

#: Hardened connections each thread keeps for reuse (least recently used go).
_SESSIONS_PER_THREAD = 4


class _Session:
    """A hardened DuckDB allowed to read one set of files, and its views over them."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.backend = open_duckdb(paths)
        self._views: dict[str, tuple[tuple[object, ...], ir.Table]] = {}
        self._frames: set[str] = set()

    def frame(self, source: Source, keys: Sequence[str] = ()) -> str:
        """Register an in-memory source under the first free name ``accord_frame_<k>``,
        its text ``keys`` dictionary-encoded (see :mod:`accord.stats.encoding`).

        Reusing names means that the same query over a new frame of the same columns is
        the same ibis expression, so its compiled SQL is found again.
        """
        k = 0
        while f"accord_frame_{k}" in self._frames:
            k += 1
        name = f"accord_frame_{k}"
        self.backend.con.register(name, encode_keys(_to_arrow(source), keys))
        self._frames.add(name)
        return name

    def file(self, path: Path, options: dict[str, Any], temporary: list[str]) -> ir.Table:
        """The view over ``path``, made once and kept while the file is unchanged.

        A directory of Parquet files (which can change without its own timestamp
        changing) and reader options that cannot be compared get a fresh view, named
        in ``temporary`` to be dropped after use.
        """
        resolved = str(path.resolve())
        stat = path.stat()
        try:
            key: tuple[object, ...] | None = (
                tuple(sorted(options.items())),
                stat.st_mtime_ns,
                stat.st_size,
            )
            hash(key)
        except TypeError:
            key = None
        if path.is_dir() or key is None:
            name = _unique_name(None)
            temporary.append(name)
            return _read_file(self.backend, path, name, options)
        kept = self._views.get(resolved)
        if kept is not None and kept[0] == key:
            return kept[1]
        if kept is not None:
            self._drop_view(kept[1].get_name())
        table = _read_file(self.backend, path, _unique_name(None), options)
        self._views[resolved] = (key, table)
        return table

    def _drop_view(self, name: str) -> None:
        # Names come from _unique_name (letters, digits and underscores only).
        self.backend.con.execute(f'DROP VIEW IF EXISTS "{name}"')

    def release(self, temporary: Sequence[str], registered: Sequence[str]) -> None:
        for name in temporary:
            self._drop_view(name)
        for name in registered:
            self.backend.con.unregister(name)
            self._frames.discard(name)


class _Sessions:
    """Each thread's sessions, keyed by the exact set of files they may read.

    DuckDB connections must not be shared between threads, hence one set per thread.
    They are held here (not in thread-local storage) so that a forked child can set them
    aside untouched: closing a DuckDB copied across ``fork`` could hang on threads that
    do not exist in the child.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_thread: dict[int, OrderedDict[tuple[str, ...], _Session]] = {}
        self._abandoned: list[object] = []

    def get(self, paths: Sequence[Path]) -> _Session:
        key = tuple(sorted({str(p.resolve()) for p in paths}))
        ident = threading.get_ident()
        with self._lock:
            sessions = self._by_thread.get(ident)
            if sessions is None:
                alive = {t.ident for t in threading.enumerate()}
                for gone in [i for i in self._by_thread if i not in alive]:
                    del self._by_thread[gone]
                sessions = self._by_thread[ident] = OrderedDict()
        session = sessions.get(key)
        if session is None:
            session = sessions[key] = _Session(paths)
            if len(sessions) > _SESSIONS_PER_THREAD:
                sessions.popitem(last=False)
        else:
            sessions.move_to_end(key)
        return session

    def after_fork_in_child(self) -> None:
        """Start afresh in a forked child, keeping the parent's connections unclosed."""
        self._abandoned.append(self._by_thread)
        self._by_thread = {}
        self._lock = threading.Lock()


_SESSIONS = _Sessions()
os.register_at_fork(after_in_child=_SESSIONS.after_fork_in_child)


@contextmanager
def reading(
    sources: Sequence[Source | None],
    *,
    backend: BaseBackend | None = None,
    keys: Sequence[str] = (),
    **read_options: Any,
) -> Iterator[list[ir.Table | None]]:
    """Read several sources onto one backend for the length of a ``with`` block.

    The same as :func:`read_all`, except that with ``backend=None`` (and no ibis table
    among the sources) the hardened DuckDB allowed to read exactly these files is reused
    from earlier calls in the same thread, and so are its views over files that have not
    changed since. In-memory sources (Arrow, pandas, Polars) are registered for the
    block only, with their text ``keys`` columns (those the caller groups by)
    dictionary-encoded when they are large. Use the tables inside the block.

    Example:
        >>> import pandas as pd
        >>> with reading([pd.DataFrame({"a": [1, 2]}), None]) as (table, nothing):
        ...     int(table.count().execute()), nothing
        (2, None)
    """
    present = [s for s in sources if s is not None]
    if backend is not None or any(isinstance(s, ir.Table) for s in present):
        yield read_all(sources, backend=backend, **read_options)
        return
    paths = [_check_path(s) for s in present if _is_path(s)]
    session = _SESSIONS.get(paths)
    temporary: list[str] = []
    registered: list[str] = []
    try:
        tables: list[ir.Table | None] = []
        for source in sources:
            if source is None:
                tables.append(None)
            elif _is_path(source):
                path = _check_path(source)
                tables.append(session.file(path, dict(read_options), temporary))
            else:
                registered.append(session.frame(source, keys))
                tables.append(session.backend.table(registered[-1]))
        yield tables
    finally:
        session.release(temporary, registered)
