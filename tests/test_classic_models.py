"""The classic-models study's own rules: bad configs are refused with the field named, and its
metrics read what the tables say (its science is tested in test_classic, test_lms and
test_hopfield; the end-to-end run is tests/test_studies.py)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nntheory.study import get_study

STUDY = get_study("classic_models")


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(cover_dims=(0, 10)), "cover_dims"), (dict(cover_trials=0), "cover_trials"),
    (dict(perceptron_margins=(-0.1, 0.2)), "perceptron_margins"),
    (dict(lms_small_steps=(0.0, 0.01)), "lms_small_steps"), (dict(oja_etas=(-1e-3,)), "oja_etas"),
    (dict(hopfield_loads=(0.1, 1.0)), "hopfield_loads"),
    (dict(flip_loads=(0.0, 0.1)), "flip_loads"),
    (dict(hopfield_ns=(1, 100)), "hopfield_ns"), (dict(lms_spectra=("flat",)), "lms_spectra"),
])
def test_config_rejects_bad_values(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        STUDY.Config(**kwargs)


def test_bad_value_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nntheory.cli", "--results-dir", str(tmp_path),
                           "run", "classic_models", "--profile", "test", "--set",
                           "hopfield_loads=[0.1,1.5]"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "hopfield_loads" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_half_load_and_transition_width_by_hand():
    from scipy.stats import norm

    from nntheory.analysis import classic, gardner

    half = gardner.half_load([1.5, 2.0, 2.5], [0.9, 0.6, 0.2])
    assert half == pytest.approx(2.0 + 0.1 / 0.4 * 0.5)
    assert np.isnan(gardner.half_load([1.0, 2.0], [0.4, 0.1]))  # starts below one half
    assert np.isnan(gardner.half_load([1.0, 2.0], [0.9, 0.6]))  # never crosses
    alpha = np.array([1.8, 2.0, 2.2])
    assert classic.transition_width(alpha, norm.cdf((2.0 - alpha) / 0.3)) == pytest.approx(0.3)
    assert np.isnan(classic.transition_width(alpha, [1.0, 1.0, 0.5]))  # one point inside
