from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache(request: pytest.FixtureRequest) -> None:
    """Throttle counters live in the shared (database) cache: start every test clean."""
    if "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db"):
        cache.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser journeys last.

    Playwright's sync API keeps an event loop running in the main thread while the browser is
    open; Django then treats later database calls as coming from async code and refuses them.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
