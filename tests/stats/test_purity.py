"""accord.stats stays a plain library: nothing in it imports Django.

The statistics run in notebooks, the command line and the trusted research
environment as well as the web app, so they must not need Django settings
or a database. Two checks: importing the package in a fresh interpreter
loads no ``django`` module, and no source file mentions one in an import.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import accord.stats

PACKAGE = Path(accord.stats.__file__).resolve().parent


def _django_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        else:
            continue
        found += [
            f"{path.name}:{node.lineno} {name}" for name in names if name.split(".")[0] == "django"
        ]
    return found


def test_importing_accord_stats_loads_no_django() -> None:
    code = (
        "import json, sys\n"
        "import accord.stats\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []


def test_no_source_file_under_accord_stats_imports_django() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "__init__.py" in sources
    offending = [hit for path in sources for hit in _django_imports(path)]
    assert offending == []


def test_the_scan_would_catch_a_django_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom django.conf import settings\nimport django.db as db\n"
        "import importlib\nimportlib.import_module('django.urls')\n",
        encoding="utf-8",
    )
    assert _django_imports(sample) == [
        "sample.py:2 django.conf",
        "sample.py:3 django.db",
        "sample.py:5 django.urls",
    ]
