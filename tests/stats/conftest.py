"""Shared set-up for the statistics tests.

Hypothesis runs derandomised here, so the property tests draw the same
examples on every machine and a CI failure can always be reproduced. The
profile is loaded only when no other profile has been chosen (by an outer
conftest, ``--hypothesis-profile`` or the HYPOTHESIS_PROFILE environment
variable), so it never overrides a deliberate choice.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "accord-stats",
    derandomize=True,
    deadline=None,
    max_examples=150,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

if "HYPOTHESIS_PROFILE" not in os.environ and settings.get_current_profile_name() == "default":
    settings.load_profile("accord-stats")
