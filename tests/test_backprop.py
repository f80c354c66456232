"""Backpropagation on XOR and parity from many random starts (nntheory.analysis.backprop)."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from nntheory import nets
from nntheory.analysis import backprop


def test_truth_tables():
    x, t = backprop.boolean_inputs_and_parity(2)
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and t.ravel().tolist() == [0, 1, 1, 0]
    x, t = backprop.boolean_inputs_and_parity(5)
    assert x.shape == (32, 5) and np.array_equal(t.ravel(), x.sum(1) % 2)


def test_sigmoid_output_unit():
    net = backprop.sigmoid_net(3)
    params = net.init_params(jax.random.PRNGKey(0), (2,))
    out = np.asarray(net.apply(params, np.random.default_rng(0).normal(size=(50, 2)) * 10))
    assert np.all((out > 0) & (out < 1))
    assert net.info["out_activation"] == "sigmoid" and net.kernel is None


def test_xor_most_starts_learn_and_outcomes_are_consistent():
    x, t = backprop.boolean_inputs_and_parity(2)
    r = backprop.train_boolean(jax.random.PRNGKey(0), x, t, 4, 32, steps=2000, eta=0.5)
    assert r["solved"].mean() >= 0.75
    assert np.array_equal(r["solved"], r["wrong"] == 0)
    assert not np.any(r["stalled"] & r["solved"])
    again = backprop.train_boolean(jax.random.PRNGKey(0), x, t, 4, 32, steps=2000, eta=0.5)
    assert np.array_equal(again["final_loss"], r["final_loss"])  # same key, same numbers


def test_a_run_too_short_to_learn_is_not_solved():
    x, t = backprop.boolean_inputs_and_parity(3)
    r = backprop.train_boolean(jax.random.PRNGKey(1), x, t, 3, 8, steps=4, eta=1e-4)
    assert not r["solved"].any() and r["wrong"].min() > 0


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(width=0), "width"), (dict(starts=0), "starts"), (dict(steps=2), "steps"),
    (dict(eta=0.0), "eta"),
])
def test_bad_arguments_are_named(kwargs, fragment):
    x, t = backprop.boolean_inputs_and_parity(2)
    args = dict(width=2, starts=2, steps=8, eta=0.5) | kwargs
    with pytest.raises(ValueError, match=fragment):
        backprop.train_boolean(jax.random.PRNGKey(0), x, t, args.pop("width"), args.pop("starts"),
                               **args)


def test_out_activation_is_validated_and_keeps_linear_default():
    with pytest.raises(ValueError, match="activation"):
        nets.mlp(4, 1, 1, "tanh", out_activation="nope")
    assert nets.mlp(4).info["out_activation"] is None


def test_structured_ntk_does_not_apply_to_a_nonlinear_readout():
    from nntheory import kernels

    assert kernels.supports_structured(nets.mlp(4))
    assert not kernels.supports_structured(backprop.sigmoid_net(4))


def test_a_stack_of_keys_trains_each_as_it_would_alone():
    x, t = backprop.boolean_inputs_and_parity(2)
    keys = jax.random.split(jax.random.PRNGKey(3), 2)
    both = backprop.train_boolean(keys, x, t, 2, 8, steps=200, eta=0.5)
    one = backprop.train_boolean(keys[1], x, t, 2, 8, steps=200, eta=0.5)
    assert both["group"].tolist() == [0] * 8 + [1] * 8
    np.testing.assert_allclose(both["final_loss"][8:], one["final_loss"], rtol=1e-5)
