"""The examples in the inference modules' docstrings run and give what they show.

Docstrings are the first documentation people read; a wrong example is worse
than none.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "accord.stats",
    "accord.stats.api.loading",
    "accord.stats.before_after",
    "accord.stats.change_funnel",
    "accord.stats.encoding",
    "accord.stats.errors",
    "accord.stats.frames",
    "accord.stats.funnel",
    "accord.stats.gap_before_after",
    "accord.stats.intersections",
    "accord.stats.intervals",
    "accord.stats.multiplicity",
    "accord.stats.proportions",
    "accord.stats.rates",
    "accord.stats.ratios",
    "accord.stats.rri",
    "accord.stats.sentences",
    "accord.stats.significance",
    "accord.stats.suppression",
    "accord.stats.trend",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
