"""Code outside the casework zone does not import casework code.

Casework is a trust zone of its own: only disclosure-controlled aggregates leave it. Code
shared by both sides (upload checks, the page shell) lives outside it, in a module neither
owns, so that a change made for casework cannot quietly change a partnership page, and
the other way round. This test reads every module's imports (those inside functions too)
and fails on an import of ``accord.casework``, ``accord.complaints`` or ``accord.releases``
from anywhere but the places that wire the zones together.

The one door out is ``accord.releases.file``, the signed release file's format, with
``accord.releases.presentation``, how its tables read: the partnership reads releases with
them, so they may be imported from anywhere, and they must themselves import nothing from
the casework zone.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "accord"
ZONE = ("accord.casework", "accord.complaints", "accord.releases")
#: The modules of the door: the file format, and how its tables read on a page.
DOORS = ("accord.releases.file", "accord.releases.presentation")
DOOR_PATHS = {Path("releases/file.py"), Path("releases/presentation.py")}
#: Where the zones meet on purpose: settings and URLs list every app; the demo creates
#: cases for the demo advocates.
WIRING = {
    Path("settings"),
    Path("urls.py"),
    Path("accounts/management/commands/demo_data.py"),
}


def _allowed(relative: Path) -> bool:
    if relative in DOOR_PATHS:
        return False
    if relative.parts[0] in ("casework", "complaints", "releases"):
        return True
    return any(relative == w or w in relative.parents for w in WIRING)


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if any(door.startswith(f"{node.module}.") for door in DOORS):
                # ``from accord import casework``, ``from accord.releases import file``: the
                # names may be modules, so each is checked on its own.
                found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def _in_zone(module: str) -> bool:
    if any(module == door or module.startswith(f"{door}.") for door in DOORS):
        return False
    return module in ZONE or module.startswith(tuple(f"{z}." for z in ZONE))


def _zone_imports(root: Path) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if _allowed(relative):
            continue
        for line, module in _imports(path):
            if _in_zone(module):
                bad.append(f"{relative}:{line} imports {module}")
    return bad


def test_only_the_wiring_imports_casework_code() -> None:
    assert _zone_imports(SRC) == []


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "views.py").write_text(
        "import accord.casework.models\n"
        "from accord import complaints\n"
        "def f():\n"
        "    from accord.casework.documents import check_file\n"
        "from accord.web.file_checks import check_file\n"
    )
    (tmp_path / "casework").mkdir()
    (tmp_path / "casework" / "views.py").write_text("from accord.casework import models\n")
    assert _zone_imports(tmp_path) == [
        "plan/views.py:1 imports accord.casework.models",
        "plan/views.py:2 imports accord.complaints",
        "plan/views.py:4 imports accord.casework.documents",
    ]


def test_only_the_release_file_format_leaves_the_zone(tmp_path: Path) -> None:
    (tmp_path / "monitoring").mkdir()
    (tmp_path / "monitoring" / "views.py").write_text(
        "from accord.releases.file import read\n"
        "from accord.releases import file\n"
        "import accord.releases.file\n"
        "from accord.releases import file, models\n"
        "from accord.releases.models import Release\n"
        "import accord.releases\n"
        "from accord import releases\n"
    )
    assert _zone_imports(tmp_path) == [
        "monitoring/views.py:4 imports accord.releases.models",
        "monitoring/views.py:5 imports accord.releases.models",
        "monitoring/views.py:6 imports accord.releases",
        "monitoring/views.py:7 imports accord.releases",
    ]


def test_the_release_file_format_imports_nothing_from_the_zone(tmp_path: Path) -> None:
    """The door must not pull the casework zone's code (or data) along with it."""
    for door in sorted(DOOR_PATHS):
        assert [module for _, module in _imports(SRC / door) if _in_zone(module)] == []
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "file.py").write_text(
        "from accord.casework.models import Case\n"
        "from accord.releases import figures\n"
        "import json\n"
    )
    (tmp_path / "releases" / "services.py").write_text("from accord.casework import models\n")
    assert _zone_imports(tmp_path) == [
        "releases/file.py:1 imports accord.casework.models",
        "releases/file.py:2 imports accord.releases.figures",
    ]
