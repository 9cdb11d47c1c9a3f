"""Turn data sources into ibis tables on a chosen engine.

A *source* is a path to a CSV, gzipped CSV, TSV or Parquet file (or a directory of
Parquet files), an Arrow table, a pandas or Polars data frame, or any ``ibis.Table``.
:func:`read` puts it on a *backend*: by default an in-process DuckDB opened in a
hardened mode, or a backend you pass (``ibis.pyspark.connect(session)``,
``ibis.postgres.connect(...)``, or your own ``ibis.duckdb.connect()``).

How DuckDB is hardened, and why. The web application opens DuckDB with
``enable_external_access=false`` so a query can never read or write files. The library
has to read the files it is given, so :func:`open_duckdb` does this instead:

* ``autoinstall_known_extensions``, ``autoload_known_extensions`` and
  ``allow_community_extensions`` are off, so no extension is ever downloaded or loaded;
* ``allowed_paths`` / ``allowed_directories`` list exactly the files (or Parquet
  directories) passed in, and then ``enable_external_access`` is switched off, which
  DuckDB honours for everything except those listed paths: any other file, ``ATTACH``,
  ``COPY ... TO``, ``INSTALL`` and globbing are refused;
* ``lock_configuration`` is switched on last, so no later query can undo any of this.

The allow-lists must be set after the database starts (DuckDB refuses them in the
connection config), so the settings are applied in that order once connected. In-memory
sources (Arrow, pandas, Polars) need no file access at all.

The backends opened here remember the SQL they compiled (:mod:`accord.stats.duckdb_backend`),
and the high-level API reuses them per thread (:mod:`accord.stats.sessions`).

Example:
    >>> import pandas as pd
    >>> table = read(pd.DataFrame({"group": ["a", "b"], "events": [3, 4]}))
    >>> sorted(table.columns)
    ['events', 'group']
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeGuard, runtime_checkable

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend
from ibis.common.exceptions import IbisError

from accord.stats.duckdb_backend import RememberingDuckDB
from accord.stats.errors import StatsInputError

__all__ = [
    "FILE_SUFFIXES",
    "Source",
    "backend_name",
    "connect",
    "open_duckdb",
    "read",
    "read_all",
    "require_columns",
]

#: File name endings :func:`read` understands.
FILE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")


@runtime_checkable
class _ArrowConvertible(Protocol):
    """Anything with ``to_arrow()``, such as a Polars data frame."""

    def to_arrow(self) -> pa.Table: ...


type Source = str | os.PathLike[str] | pa.Table | pd.DataFrame | ir.Table | _ArrowConvertible


def open_duckdb(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> RememberingDuckDB:
    """Open an in-process DuckDB that may read only the given files or directories.

    Args:
        paths: Files (or directories of Parquet files) the connection may read.
        threads: Worker threads (DuckDB's default is one per core).
        memory_limit: For example ``"4GB"``; DuckDB spills to disk beyond it.

    Example:
        >>> con = open_duckdb()
        >>> con.con.sql("SELECT current_setting('enable_external_access')").fetchall()
        [(False,)]
    """
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
    }
    if threads is not None:
        config["threads"] = threads
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    raw = duckdb.connect(":memory:", config=config)
    # ibis sets the session time zone when it attaches, which must happen before locking.
    backend: RememberingDuckDB = RememberingDuckDB.from_connection(raw)
    files: list[str] = []
    directories: list[str] = []
    for path in paths:
        resolved = Path(path).resolve()
        (directories if resolved.is_dir() else files).append(str(resolved))
    if files:
        raw.execute("SET allowed_paths = ?", [files])
    if directories:
        raw.execute("SET allowed_directories = ?", [[d + os.sep for d in directories]])
    raw.execute("SET enable_external_access = false")
    raw.execute("SET lock_configuration = true")
    return backend


def connect(spec: str) -> BaseBackend:
    """Open a backend from a short text description (used by the command line).

    ``"duckdb"`` gives a hardened in-process DuckDB with no file access (sources read
    through :func:`read_all` get their own); ``"spark"`` a local PySpark session on all
    cores; a ``postgres://`` or ``postgresql://`` URL a PostgreSQL connection.
    """
    if spec == "duckdb":
        return open_duckdb()
    if spec == "spark":
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[*]")
            .appName("accord-stats")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    if spec.startswith(("postgres://", "postgresql://")):
        return ibis.connect(spec.replace("postgresql://", "postgres://", 1))
    raise StatsInputError(
        f"Unknown backend {spec!r}. Use 'duckdb', 'spark' or a postgresql:// URL."
    )


def backend_name(backend: BaseBackend) -> str:
    """The ibis name of a backend: ``"duckdb"``, ``"pyspark"``, ``"postgres"``, ..."""
    return str(backend.name)


def _is_path(source: object) -> TypeGuard[str | os.PathLike[str]]:
    return isinstance(source, str | os.PathLike)


def _check_path(source: str | os.PathLike[str]) -> Path:
    path = Path(source)
    if not path.exists():
        raise StatsInputError(f"File not found: {path}.")
    if path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise StatsInputError(f"Directory {path} holds no .parquet files.")
        return path
    name = path.name.lower()
    if not name.endswith(FILE_SUFFIXES):
        raise StatsInputError(
            f"Cannot read {path}: the name must end with one of {', '.join(FILE_SUFFIXES)}."
        )
    return path


def _file_kind(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir() or name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".tsv", ".tsv.gz")):
        return "tsv"
    return "csv"


def _unique_name(name: str | None) -> str:
    return name or f"accord_{secrets.token_hex(6)}"


def _to_arrow(source: object) -> pa.Table:
    if isinstance(source, pa.Table):
        return source
    if isinstance(source, pd.DataFrame):
        return pa.Table.from_pandas(source, preserve_index=False)
    if isinstance(source, ir.Table):
        return source.to_pyarrow()
    if isinstance(source, _ArrowConvertible):
        return source.to_arrow()
    raise StatsInputError(
        f"Cannot read a {type(source).__name__}: pass a file path, an Arrow table, "
        "a pandas or Polars data frame, or an ibis table."
    )


def _table_backend(table: ir.Table) -> BaseBackend | None:
    try:
        return table._find_backend(use_default=False)
    except IbisError:
        return None


def _read_file_duckdb(backend: BaseBackend, path: Path, name: str, options: dict[str, Any]) -> Any:
    kind = _file_kind(path)
    if kind == "parquet":
        target = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        return backend.read_parquet(target, table_name=name, **options)
    if kind == "tsv":
        options = {"delim": "\t", **options}
    return backend.read_csv(str(path), table_name=name, **options)


def _read_file(backend: BaseBackend, path: Path, name: str, options: dict[str, Any]) -> ir.Table:
    kind = backend_name(backend)
    if kind == "duckdb":
        table: ir.Table = _read_file_duckdb(backend, path, name, options)
        return table
    if kind == "pyspark":
        if _file_kind(path) == "parquet":
            return backend.read_parquet(str(path), table_name=name, **options)
        spark_options = {"header": True, "inferSchema": True, **options}
        if _file_kind(path) == "tsv":
            spark_options.setdefault("sep", "\t")
        return backend.read_csv(str(path), table_name=name, **spark_options)
    # Backends with no file reader (PostgreSQL): read locally, then upload.
    local = open_duckdb([path])
    arrow = _read_file_duckdb(local, path, name, options).to_pyarrow()
    return _upload(backend, arrow, name)


def _upload(backend: BaseBackend, arrow: pa.Table, name: str) -> ir.Table:
    if backend_name(backend) == "duckdb":
        # ibis 12's create_table trips over DuckDB 2; registering the Arrow table works.
        backend.con.register(name, arrow)
        return backend.table(name)
    return backend.create_table(name, arrow, temp=True)


def read(
    source: Source,
    *,
    backend: BaseBackend | None = None,
    name: str | None = None,
    **read_options: Any,
) -> ir.Table:
    """Return ``source`` as an ibis table on ``backend``.

    Args:
        source: A path (CSV, CSV.gz, TSV, Parquet, or a directory of Parquet files),
            an Arrow table, a pandas or Polars data frame, or an ibis table.
        backend: Where to put it. ``None`` means: an ibis table stays on its own
            backend; anything else goes to a new hardened DuckDB (:func:`open_duckdb`).
            An ibis table on a different backend is copied across (through Arrow).
        name: Name of the table or view created; a random one by default.
        read_options: Passed to the engine's CSV or Parquet reader.

    Raises:
        StatsInputError: the file is missing or of an unknown kind, or the object is
            not a table.
    """
    table_name = _unique_name(name)
    if _is_path(source):
        path = _check_path(source)
        target = backend if backend is not None else open_duckdb([path])
        return _read_file(target, path, table_name, dict(read_options))
    if isinstance(source, ir.Table):
        own = _table_backend(source)
        if backend is None and own is not None:
            return source
        if backend is not None and own is backend:
            return source
    target = backend if backend is not None else open_duckdb()
    return _upload(target, _to_arrow(source), table_name)


def read_all(
    sources: Sequence[Source | None],
    *,
    backend: BaseBackend | None = None,
    **read_options: Any,
) -> list[ir.Table | None]:
    """Read several sources onto one backend, so that they can be joined.

    With ``backend=None`` one hardened DuckDB is opened that may read exactly the files
    among ``sources``; ibis tables already on a backend stay there unless another
    source needs a common engine (then they are copied into the DuckDB). ``None``
    entries are passed through, for optional inputs.
    """
    present = [s for s in sources if s is not None]
    if backend is None:
        bound = {id(b) for s in present if isinstance(s, ir.Table) if (b := _table_backend(s))}
        unbound = [s for s in present if not (isinstance(s, ir.Table) and _table_backend(s))]
        if len(bound) == 1 and not unbound:
            first = next(s for s in present if isinstance(s, ir.Table))
            backend = _table_backend(first)
        else:
            paths = [_check_path(s) for s in present if _is_path(s)]
            backend = open_duckdb(paths)
    return [
        None if source is None else read(source, backend=backend, **read_options)
        for source in sources
    ]


def require_columns(table: ir.Table, columns: Iterable[str], *, what: str = "data") -> None:
    """Raise :class:`StatsInputError` naming any column missing from ``table``.

    Example:
        >>> import pandas as pd
        >>> require_columns(read(pd.DataFrame({"a": [1]})), ["a", "b"], what="events")
        Traceback (most recent call last):
        ...
        accord.stats.errors.StatsInputError: Unknown column 'b' in the events. Available columns: a.
    """
    available = list(table.columns)
    missing = [c for c in dict.fromkeys(columns) if c not in available]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise StatsInputError(
            f"Unknown {noun} {names} in the {what}. Available columns: {', '.join(available)}."
        )
