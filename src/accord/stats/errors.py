"""Exceptions raised by ``accord.stats``.

Callers (the web views, the command line) catch one exception type and show
its message, so every message says what is wrong and what to do about it.

Example:
    >>> try:
    ...     raise StatsInputError("Reference group 'White' is not in the data.")
    ... except ValueError as error:
    ...     print(error)
    Reference group 'White' is not in the data.
"""

from __future__ import annotations

__all__ = ["StatsInputError"]


class StatsInputError(ValueError):
    """The input cannot support the requested statistic.

    A subclass of ``ValueError`` so that code which already catches
    ``ValueError`` keeps working. The message names the column or group at
    fault and says what to change.
    """
