"""The ``accord`` command: Django's management commands, plus ``accord stats`` without Django.

``accord stats ...`` runs the statistics library on files and needs no database or settings,
so an analyst can use it on a laptop with nothing else set up.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else ["accord", *argv])
    if len(args) > 1 and args[1] == "stats":
        from accord.stats.cli import main as stats_main

        return int(stats_main(args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
