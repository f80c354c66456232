"""nets: the activation table, mlp construction and validation, parameter counts."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nntheory import nets

ALL_ACTIVATIONS = (*nets.ACTIVATIONS, "poly2", "poly3")
X = jax.random.normal(jax.random.PRNGKey(1), (5, 3))


def test_registry_has_the_seed_table():
    """The fixed activations of the design's seed table are all registered."""
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "gelu", "erf"):
        assert name in nets.ACTIVATIONS


@pytest.mark.parametrize("name", ALL_ACTIVATIONS)
def test_mlp_shapes_and_kernel_presence(name):
    """init + apply give (n, out_dim); ``kernel is None`` exactly when has_kernel is False,
    and a present kernel returns (n, n) NNGP and NTK matrices."""
    act = nets.activation(name)
    net = nets.mlp(4, depth=1, out_dim=2, activation_name=name)
    out_shape, params = net.init(jax.random.PRNGKey(0), X.shape)
    assert out_shape == (5, 2)
    y = net.apply(params, X)
    assert y.shape == (5, 2)
    assert bool(jnp.all(jnp.isfinite(y)))
    assert (net.kernel is None) == (not act.has_kernel)
    if net.kernel is not None:
        ntk = net.kernel(X, X, "ntk")
        assert ntk.shape == (5, 5)
        assert bool(jnp.all(jnp.isfinite(ntk)))
    assert net.info["activation"] == name


@pytest.mark.parametrize("parameterization", nets.PARAMETERIZATIONS)
@pytest.mark.parametrize("name", ALL_ACTIVATIONS)
def test_fn_is_the_hidden_nonlinearity(name, parameterization):
    """On a width-1, depth-1 net, apply equals the hand-written formula built from
    ``Activation.fn`` (ntk: z = σ_w W x + σ_b b; standard: z = W x + b)."""
    act = nets.activation(name)
    net = nets.mlp(1, 1, 1, name, parameterization=parameterization, w_std=1.3, b_std=0.4,
                   out_w_std=0.7)
    params = net.init_params(jax.random.PRNGKey(2), (7, 1))
    (w1, b1), _, (w2, b2) = params
    x = jnp.linspace(-2.0, 2.0, 7)[:, None]
    if parameterization == "ntk":
        expected = 0.7 * act.fn(1.3 * x @ w1 + 0.4 * b1) @ w2 + 0.4 * b2
    else:
        expected = act.fn(x @ w1 + b1) @ w2 + b2
    np.testing.assert_allclose(net.apply(params, x), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_polynomial_activations(k):
    """poly<k> is x^k with polynomial_degree k and an analytic kernel."""
    act = nets.activation(f"poly{k}")
    assert act.polynomial_degree == k and act.has_kernel
    np.testing.assert_allclose(act.fn(jnp.array([-2.0, 0.5, 3.0])),
                               np.array([-2.0, 0.5, 3.0]) ** k, rtol=1e-6)


@pytest.mark.parametrize("name", nets.ACTIVATIONS)
def test_fixed_activations_are_not_polynomials(name):
    """None of the fixed activations claims to be a polynomial."""
    assert nets.activation(name).polynomial_degree is None


@pytest.mark.parametrize("parameterization", nets.PARAMETERIZATIONS)
def test_parameterizations_build_with_relu_kernel(parameterization):
    """'ntk' and 'standard' both build a ReLU net with an analytic kernel whose NTK is
    symmetric positive semi-definite."""
    net = nets.mlp(8, 1, 1, "relu", parameterization=parameterization)
    assert net.kernel is not None
    assert net.info["parameterization"] == parameterization
    params = net.init_params(jax.random.PRNGKey(0), X.shape)
    assert net.apply(params, X).shape == (5, 1)
    ntk = np.asarray(net.kernel(X, X, "ntk"))
    np.testing.assert_allclose(ntk, ntk.T, rtol=1e-5, atol=1e-6)
    assert np.linalg.eigvalsh(ntk).min() > -1e-4 * np.abs(ntk).max()


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (dict(width=0), "0"),
        (dict(width=-3), "-3"),
        (dict(width=2.5), "2.5"),
        (dict(width=True), "True"),
        (dict(width=4, depth=0), "depth must be a positive integer, got 0"),
        (dict(width=4, depth=-1), "-1"),
        (dict(width=4, out_dim=0), "out_dim must be a positive integer, got 0"),
        (dict(width=4, activation_name="swish"), "'swish'"),
        (dict(width=4, activation_name="poly0"), "'poly0'"),
        (dict(width=4, parameterization="mean_field"), "'mean_field'"),
        (dict(width=4, w_std=0.0), "0.0"),
        (dict(width=4, w_std=-1.0), "-1.0"),
        (dict(width=4, w_std=math.nan), "w_std must be a positive finite number, got nan"),
        (dict(width=4, w_std=math.inf), "inf"),
        (dict(width=4, out_w_std=0.0), "out_w_std must be a positive finite number, got 0.0"),
        (dict(width=4, b_std=-0.1), "-0.1"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs, fragment):
    """A bad argument raises ValueError whose message names the bad value."""
    with pytest.raises(ValueError) as info:
        nets.mlp(**kwargs)
    assert fragment in str(info.value)


def test_width_message_names_the_field():
    """The width error says which argument was wrong and what was given."""
    with pytest.raises(ValueError, match=r"width must be a positive integer, got 0"):
        nets.mlp(0)


def test_unknown_activation_lists_allowed_names():
    """An unknown activation's message names it and lists every allowed name."""
    with pytest.raises(ValueError) as info:
        nets.activation("swish")
    msg = str(info.value)
    assert "'swish'" in msg
    for name in nets.ACTIVATIONS:
        assert name in msg
    assert "poly<k>" in msg


def test_unknown_parameterization_lists_allowed():
    """An unknown parameterization's message lists the allowed ones."""
    with pytest.raises(ValueError, match="ntk, standard"):
        nets.mlp(4, parameterization="NTK")


def test_activation_name_must_be_a_string():
    """A non-string activation name is a ValueError, not an AttributeError."""
    with pytest.raises(ValueError, match="3"):
        nets.activation(3)


@pytest.mark.parametrize(
    "width,depth,in_dim,out_dim",
    [(3, 1, 4, 2), (10, 2, 1, 1), (5, 3, 2, 3)],
)
def test_param_count(width, depth, in_dim, out_dim):
    """param_count equals the weights and biases of every Dense layer."""
    net = nets.mlp(width, depth, out_dim, "tanh")
    shapes = jax.eval_shape(lambda k: net.init_params(k, (2, in_dim)), jax.random.PRNGKey(0))
    params = jax.tree_util.tree_map(lambda s: np.zeros(s.shape, s.dtype), shapes)
    expected = (in_dim + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * out_dim
    assert nets.param_count(params) == expected


def test_param_count_known_value():
    """A 4→3→2 MLP has 4·3 + 3 + 3·2 + 2 = 23 parameters."""
    params = nets.mlp(3, 1, 2).init_params(jax.random.PRNGKey(0), (1, 4))
    assert nets.param_count(params) == 23


def test_init_is_deterministic_in_the_key():
    """The same key gives the same parameters; another key gives others."""
    net = nets.mlp(4)
    a = net.init_params(jax.random.PRNGKey(0), (1, 2))
    b = net.init_params(jax.random.PRNGKey(0), (1, 2))
    c = net.init_params(jax.random.PRNGKey(1), (1, 2))
    for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(jax.tree_util.tree_leaves(a)[0], jax.tree_util.tree_leaves(c)[0])


@pytest.mark.parametrize("b_std", [math.nan, math.inf, -0.1, "abc", None])
def test_bad_b_std_is_named(b_std):
    with pytest.raises(ValueError, match="b_std"):
        nets.mlp(4, b_std=b_std)


def test_cnn_shapes_kernel_and_bad_input():
    net = nets.cnn((4, 6), 3, "relu", pool="global_avg")
    p = net.init_params(jax.random.PRNGKey(0), (-1, 6, 6, 2))
    x = jax.random.normal(jax.random.PRNGKey(1), (5, 6, 6, 2))
    assert net.apply(p, x).shape == (5, 3)
    assert net.kernel(x, x, "ntk").shape == (5, 5) and net.info["kind"] == "cnn"
    assert nets.cnn((4,), 2, "sigmoid").kernel is None  # no closed form for the sigmoid
    for kwargs, fragment in ((dict(channels=()), "channels"), (dict(pool="max"), "pool"),
                             (dict(kernel_size=0), "kernel_size"),
                             (dict(parameterization="mup"), "parameterization")):
        with pytest.raises(ValueError, match=fragment):
            nets.cnn(**kwargs)


def test_wide_cnn_matches_its_nngp_on_average():
    """The NNGP of the infinitely wide CNN (Novak et al. 2019) against the empirical
    f fᵀ over 64 random nets with 128 channels: 10 % relative (Monte Carlo error ~ 5 %)."""
    x = jax.random.normal(jax.random.PRNGKey(2), (4, 6, 6, 1))
    net = nets.cnn((128,), 1, "relu", pool="global_avg")
    fs = jax.vmap(lambda k: net.apply(net.init_params(k, (-1, 6, 6, 1)), x))(
        jax.random.split(jax.random.PRNGKey(3), 64))
    empirical = np.mean(np.einsum("kio,kjo->kij", fs, fs), axis=0)
    exact = np.asarray(net.kernel(x, x, "nngp"))
    assert np.linalg.norm(empirical - exact) / np.linalg.norm(exact) < 0.1
