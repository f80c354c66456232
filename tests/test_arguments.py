"""The library's shared argument check."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory.arguments import int_at_least


def test_integers_pass_as_python_ints():
    assert int_at_least("n", 3) == 3 and type(int_at_least("n", np.int64(3))) is int
    assert int_at_least("n", 2, 2) == 2


@pytest.mark.parametrize("value,low,says", [
    (0, 1, "n must be a positive integer, got 0"), (True, 1, "got True"),
    (2.0, 1, "got 2.0"), ("3", 1, "got '3'"), (1, 2, "n must be an integer >= 2, got 1"),
    (np.bool_(True), 1, "got"),
])
def test_everything_else_is_refused_naming_the_value(value, low, says):
    with pytest.raises(ValueError, match=says):
        int_at_least("n", value, low)
