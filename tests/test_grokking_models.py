"""Grokking data and models: the modular-arithmetic tables and splits, the embedded-token MLP
and Nanda et al.'s one-layer transformer."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nntheory import data, nets

KEY = jax.random.PRNGKey(0)


def _python_op(op, a, b, p):
    inv = pow(b, p - 2, p) if b else None
    return {
        "+": (a + b) % p,
        "-": (a - b) % p,
        "*": (a * b) % p,
        "/": (a * inv) % p if inv is not None else None,
        "x/y_if_odd_else_x-y": ((a * inv) % p if b % 2 else (a - b) % p) if b else None,
        "x^2+y^2": (a * a + b * b) % p,
        "x^2+xy+y^2": (a * a + a * b + b * b) % p,
        "x^2+xy+y^2+x": (a * a + a * b + b * b + a) % p,
        "x^3+xy": (a**3 + a * b) % p,
        "x^3+xy^2+y": (a**3 + a * b * b + b) % p,
    }[op]


@pytest.mark.parametrize("op", list(data.MODULAR_OPS))
@pytest.mark.parametrize("p", [7, 11])
def test_modular_table_matches_python(op, p):
    """Every label equals the operation computed in Python integers; division-type ops drop
    b = 0 (p(p − 1) equations), the others keep the full p² grid in row-major order."""
    x, y = data.modular_table(p, op)
    x, y = np.asarray(x), np.asarray(y)
    o = data.modular_op(op)
    assert x.dtype == np.int32 and y.dtype == np.int32
    assert len(x) == (p * (p - 1) if o.nonzero_b else p * p)
    for (a, b), c in zip(x.tolist(), y.tolist(), strict=True):
        assert c == _python_op(op, a, b, p), (a, b)
    if not o.nonzero_b:
        np.testing.assert_array_equal(x[:, 0] * p + x[:, 1], np.arange(p * p))


def test_division_is_the_inverse_of_multiplication():
    """For "/", c·b ≡ a (mod p) on every equation."""
    x, y = (np.asarray(v) for v in data.modular_table(13, "/"))
    np.testing.assert_array_equal((y * x[:, 1]) % 13, x[:, 0])


@pytest.mark.parametrize(
    "args,fragment",
    [
        ((1, "+"), "p must be an integer >= 2"),
        ((7.0, "+"), "p must be an integer >= 2"),
        ((9, "/"), "must be prime"),
        ((7, "%"), "unknown modular operation '%'; allowed: +, -, *, /"),
    ],
)
def test_modular_table_rejects(args, fragment):
    with pytest.raises(ValueError, match=fragment.replace("+", r"\+").replace("*", r"\*")):
        data.modular_table(*args)


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.9])
def test_split_partitions_the_table(fraction):
    """Train and test are disjoint, together the whole table, the training set holds
    round(fraction · n) equations, and labels travel with their pairs."""
    p = 11
    ds = data.modular_arithmetic(p, "+", fraction, KEY)
    tr = {tuple(r) for r in np.asarray(ds.x_train).tolist()}
    te = {tuple(r) for r in np.asarray(ds.x_test).tolist()}
    assert len(tr) == round(fraction * p * p) and not tr & te and len(tr | te) == p * p
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        np.testing.assert_array_equal((np.asarray(x).sum(axis=1)) % p, np.asarray(y))


def test_split_is_seeded_and_nested():
    """The same key gives the same split; another key another; with one key a smaller
    fraction's training set is a subset of a larger one's (one permutation, cut earlier)."""
    a = data.modular_arithmetic(13, "*", 0.4, KEY)
    b = data.modular_arithmetic(13, "*", 0.4, KEY)
    c = data.modular_arithmetic(13, "*", 0.4, jax.random.PRNGKey(1))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(np.asarray(a.x_train), np.asarray(c.x_train))
    big = data.modular_arithmetic(13, "*", 0.7, KEY)
    small = {tuple(r) for r in np.asarray(a.x_train).tolist()}
    assert small <= {tuple(r) for r in np.asarray(big.x_train).tolist()}


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 0.001])
def test_split_rejects_bad_fractions(fraction):
    with pytest.raises(ValueError, match="train_fraction"):
        data.modular_arithmetic(7, "+", fraction, KEY)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "poly2", "tanh"])
def test_modular_mlp_is_gromovs_formula(activation):
    """apply(params, (a, b)) = Wᵀ φ(U[a] + V[b]) with φ from the activation table; output
    (n, p); kernel is None."""
    p, width = 7, 5
    net = nets.modular_mlp(p, width, activation)
    out_shape, params = net.init(KEY, (3, 2))
    assert out_shape == (3, p) and net.kernel is None
    assert {k: v.shape for k, v in params.items()} == dict(U=(p, width), V=(p, width),
                                                          W=(width, p))
    x, _ = data.modular_table(p, "+")
    phi = nets.activation(activation).fn
    expected = np.stack([np.asarray(phi(params["U"][a] + params["V"][b])) @ params["W"]
                         for a, b in np.asarray(x).tolist()])
    np.testing.assert_allclose(net.apply(params, x), expected, rtol=1e-5, atol=1e-6)


def test_modular_mlp_initial_scale():
    """U, V ~ N(0, 1/(2p)), W ~ N(0, 1/width), times init_scale; different keys differ."""
    p, width = 101, 400
    for scale in (1.0, 3.0):
        params = nets.modular_mlp(p, width, init_scale=scale).init_params(KEY, (1, 2))
        for name, std in (("U", (2 * p) ** -0.5), ("V", (2 * p) ** -0.5), ("W", width**-0.5)):
            assert np.std(np.asarray(params[name])) == pytest.approx(scale * std, rel=0.03)
    a = nets.modular_mlp(p, width).init_params(KEY, (1, 2))
    b = nets.modular_mlp(p, width).init_params(jax.random.PRNGKey(1), (1, 2))
    assert not np.allclose(a["U"], b["U"])
    assert not np.allclose(a["U"], a["V"])  # the blocks of one draw are independent


def _transformer_reference(params, x, p, n_heads, d_head):
    """The full causal transformer, every position computed, read at the last (a direct
    transcription of Nanda et al.'s model, for the shortcut in nets.one_layer_transformer)."""
    t = jnp.concatenate([x, jnp.full((x.shape[0], 1), p, x.dtype)], axis=1)
    r = params["W_E"][t] + params["W_pos"][None]
    q = jnp.einsum("nsd,hde->nhse", r, params["W_Q"])
    k = jnp.einsum("nsd,hde->nhse", r, params["W_K"])
    v = jnp.einsum("nsd,hde->nhse", r, params["W_V"])
    s = jnp.einsum("nhse,nhte->nhst", q, k) / np.sqrt(d_head)
    s = jnp.where(jnp.tril(jnp.ones((3, 3), bool)), s, -jnp.inf)
    z = jnp.einsum("nhst,nhte->nhse", jax.nn.softmax(s, axis=-1), v)
    r = r + jnp.einsum("nhse,hed->nsd", z, params["W_O"])
    h = jax.nn.relu(r @ params["W_in"] + params["b_in"][None, None])
    r = r + h @ params["W_out"] + params["b_out"][None, None]
    return (r @ params["W_U"])[:, -1]


def test_transformer_matches_full_reference():
    """The last-position-only computation equals the full causal transformer read at "=";
    shapes follow (d_model, heads, d_mlp); biases start at zero."""
    p, d_model, heads, d_mlp = 7, 8, 2, 12
    net = nets.one_layer_transformer(p, d_model=d_model, n_heads=heads, d_mlp=d_mlp)
    out_shape, params = net.init(KEY, (4, 2))
    assert out_shape == (4, p) and net.kernel is None
    assert params["W_E"].shape == (p + 1, d_model) and params["W_U"].shape == (d_model, p)
    assert params["W_Q"].shape == (heads, d_model, d_model // heads)
    params = dict(params, b_in=jnp.linspace(-1, 1, d_mlp), b_out=jnp.linspace(1, -1, d_model))
    x, _ = data.modular_table(p, "+")
    reference = jax.jit(_transformer_reference, static_argnums=(2, 3, 4))
    np.testing.assert_allclose(jax.jit(net.apply)(params, x),
                               reference(params, x, p, heads, d_model // heads),
                               rtol=1e-4, atol=1e-5)


def test_transformer_initial_scale():
    """Nanda et al.'s initialisation: N(0, 1/d_model) for the d_model-sided matrices,
    N(0, 1/(p + 1)) for the unembedding, zero biases."""
    p, d_model = 113, 128
    params = nets.one_layer_transformer(p, d_model=d_model).init_params(KEY, (1, 2))
    for name in ("W_E", "W_Q", "W_K", "W_V", "W_O", "W_in", "W_out"):
        assert np.std(np.asarray(params[name])) == pytest.approx(d_model**-0.5, rel=0.05), name
    assert np.std(np.asarray(params["W_U"])) == pytest.approx((p + 1) ** -0.5, rel=0.05)
    assert not np.any(params["b_in"]) and not np.any(params["b_out"])


@pytest.mark.parametrize(
    "make,fragment",
    [
        (lambda: nets.modular_mlp(0, 4), "p must be a positive integer"),
        (lambda: nets.modular_mlp(7, 4, "cubic"), "unknown activation 'cubic'"),
        (lambda: nets.modular_mlp(7, 4, init_scale=0), "init_scale"),
        (lambda: nets.one_layer_transformer(7, d_model=10, n_heads=4), "divisible"),
    ],
)
def test_models_reject_bad_settings(make, fragment):
    with pytest.raises(ValueError, match=fragment):
        make()


@pytest.mark.parametrize("make", [lambda: nets.modular_mlp(7, 4),
                                  lambda: nets.one_layer_transformer(7, d_model=8, n_heads=2)])
def test_models_reject_non_pair_inputs(make):
    with pytest.raises(ValueError, match=r"\(n, 2\) integer token pairs"):
        make().init(KEY, (5, 3))
