"""Code outside the casework zone does not import casework code.

Casework is a trust zone of its own: only disclosure-controlled aggregates leave it. Code
shared by both sides (upload checks, the page shell) lives outside it, in a module neither
owns, so that a change made for casework cannot quietly change a partnership page, and
the other way round. This test reads every module's imports (those inside functions too)
and fails on an import of ``accord.casework`` or ``accord.complaints`` from anywhere but
the places that wire the zones together.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "accord"
ZONE = ("accord.casework", "accord.complaints")
#: Where the zones meet on purpose: settings and URLs list every app; the demo creates
#: cases for the demo advocates.
WIRING = {
    Path("settings"),
    Path("urls.py"),
    Path("accounts/management/commands/demo_data.py"),
}


def _allowed(relative: Path) -> bool:
    if relative.parts[0] in ("casework", "complaints"):
        return True
    return any(relative == w or w in relative.parents for w in WIRING)


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "accord":
                found += [(node.lineno, f"accord.{alias.name}") for alias in node.names]
    return found


def _zone_imports(root: Path) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if _allowed(relative):
            continue
        for line, module in _imports(path):
            if module in ZONE or module.startswith(tuple(f"{z}." for z in ZONE)):
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
