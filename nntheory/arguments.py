"""Checks of function arguments shared by the library's modules: one line naming the argument
and its value, as a ``ValueError``."""

from __future__ import annotations

import numpy as np


def int_at_least(name: str, value, low: int = 1) -> int:
    """``value`` as a Python int >= ``low``: Python or NumPy integers; bools, floats and
    anything else are refused.

    Raises:
      ValueError: naming ``name`` and ``value``.
    """
    if (isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer)
            or value < low):
        what = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)
