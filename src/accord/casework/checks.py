"""Start-up checks for casework: a broken risk checklist file fails the deploy, not an advocate."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_dash_checklist(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if "casework" not in settings.ACCORD_ZONES:
        return []
    from accord.casework.dash import ChecklistError, load_checklist

    try:
        load_checklist()
    except ChecklistError as error:
        return [
            Error(
                f"The risk checklist cannot be loaded: {error}",
                hint="Fix the file or ACCORD_DASH_CHECKLIST_PATH.",
                id="accord.casework.E001",
            )
        ]
    return []
