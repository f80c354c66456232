"""data: grids, target registry, regression sets, XOR, train/test splits, key determinism."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nntheory import data

KEY = jax.random.PRNGKey(0)


@pytest.mark.parametrize("n,dim", [(2, 1), (3, 2), (4, 3)])
def test_grid_shape_and_endpoints(n, dim):
    """grid(n, d) is (n^d, d), spans [-1, 1] in every coordinate, starts at (-1, …, -1),
    ends at (1, …, 1), and its points are distinct."""
    g = np.asarray(data.grid(n, dim))
    assert g.shape == (n**dim, dim)
    np.testing.assert_array_equal(g[0], -np.ones(dim))
    np.testing.assert_array_equal(g[-1], np.ones(dim))
    np.testing.assert_allclose(g.min(axis=0), -1.0)
    np.testing.assert_allclose(g.max(axis=0), 1.0)
    assert len({tuple(r) for r in g}) == n**dim


def test_grid_is_evenly_spaced_with_custom_bounds():
    """The 1-D grid is linspace(low, high, n)."""
    np.testing.assert_allclose(data.grid(5, 1, 0.0, 2.0)[:, 0], [0.0, 0.5, 1.0, 1.5, 2.0])


@pytest.mark.parametrize("n,dim", [(1, 1), (0, 2), (3, 0)])
def test_grid_rejects_degenerate(n, dim):
    """Fewer than 2 points per axis or dimension 0 raises ValueError."""
    with pytest.raises(ValueError, match="grid needs"):
        data.grid(n, dim)


def test_uniform_range_and_shape():
    """uniform draws (n, d) points inside [low, high]."""
    u = np.asarray(data.uniform(KEY, 200, 3, -0.5, 0.25))
    assert u.shape == (200, 3)
    assert u.min() >= -0.5 and u.max() <= 0.25


@pytest.mark.parametrize("name", sorted(data.TARGETS))
def test_regression_shapes(name):
    """regression gives (n, d) train inputs inside the cube, (n, 1) targets equal to the
    target function, and the (m^d, d) test grid with its targets."""
    tgt = data.target(name)
    ds = data.regression(KEY, name, 10, 4)
    d = tgt.dim
    assert ds.x_train.shape == (10, d) and ds.y_train.shape == (10, 1)
    assert ds.x_test.shape == (4**d, d) and ds.y_test.shape == (4**d, 1)
    assert float(jnp.max(jnp.abs(ds.x_train))) <= 1.0
    np.testing.assert_allclose(ds.y_train[:, 0], tgt(ds.x_train), rtol=1e-6)
    np.testing.assert_allclose(ds.x_test, data.grid(4, d))


def test_regression_accepts_target_object():
    """A Target object works as well as its name."""
    a = data.regression(KEY, "sin", 8, 3)
    b = data.regression(KEY, data.target("sin"), 8, 3)
    np.testing.assert_array_equal(a.y_train, b.y_train)


@pytest.mark.parametrize(
    "name,x,expected",
    [
        ("sin", [[0.5]], [1.0]),
        ("abs", [[-0.3]], [0.3]),
        ("ramp", [[-0.5], [0.0], [0.5]], [0.0, 0.5, 1.0]),
        ("bump2d", [[0.0, 0.0]], [1.0]),
        ("sincos2d", [[0.5, 0.0]], [1.0]),
    ],
)
def test_target_values(name, x, expected):
    """Each target function has its documented value at a few points."""
    np.testing.assert_allclose(data.target(name)(jnp.array(x)), expected, atol=1e-6)


def test_unknown_target_names_allowed():
    """An unknown target raises ValueError naming it and every allowed target."""
    with pytest.raises(ValueError) as info:
        data.target("cos")
    msg = str(info.value)
    assert "'cos'" in msg
    for name in data.TARGETS:
        assert name in msg


def test_xor():
    """XOR: the four corners of {0,1}², labelled x1 XOR x2, train set = test set."""
    ds = data.xor()
    x = np.asarray(ds.x_train)
    assert x.shape == (4, 2)
    np.testing.assert_array_equal(ds.y_train, np.logical_xor(x[:, 0], x[:, 1]).astype(int))
    assert {tuple(r) for r in x} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    np.testing.assert_array_equal(ds.x_test, ds.x_train)
    np.testing.assert_array_equal(ds.y_test, ds.y_train)


@pytest.mark.parametrize("n,fraction,n_test", [(10, 0.3, 3), (10, 0.5, 5), (7, 0.2, 1)])
def test_train_test_split_sizes_and_disjointness(n, fraction, n_test):
    """The split has round(n·f) test rows, the rest train, disjoint and together all rows,
    with each x still paired with its y (numpy inputs work as well as jax arrays)."""
    x = np.arange(n, dtype=np.float32)[:, None]
    y = 10.0 * x
    ds = data.train_test_split(KEY, x, y, fraction)
    assert ds.x_test.shape == (n_test, 1) and ds.x_train.shape == (n - n_test, 1)
    tr = set(np.asarray(ds.x_train[:, 0]).tolist())
    te = set(np.asarray(ds.x_test[:, 0]).tolist())
    assert not tr & te
    assert tr | te == set(range(n))
    np.testing.assert_array_equal(ds.y_train, 10.0 * ds.x_train)
    np.testing.assert_array_equal(ds.y_test, 10.0 * ds.x_test)


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5, 0.0, 1.0])
def test_train_test_split_bad_fraction(fraction):
    """A test fraction outside (0, 1) raises ValueError naming it."""
    x = jnp.zeros((10, 1))
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split(KEY, x, x, fraction)


@pytest.mark.parametrize("fraction", [0.01, 0.99])
def test_train_test_split_empty_side(fraction):
    """A fraction that rounds to an empty split raises ValueError."""
    x = jnp.zeros((10, 1))
    with pytest.raises(ValueError, match="empty split"):
        data.train_test_split(KEY, x, x, fraction)


def test_same_key_same_data():
    """The same key reproduces regression data and splits; another key changes them."""
    a = data.regression(KEY, "abs", 16, 3)
    b = data.regression(KEY, "abs", 16, 3)
    c = data.regression(jax.random.PRNGKey(1), "abs", 16, 3)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)
    x = jnp.arange(20.0)[:, None]
    s1 = data.train_test_split(KEY, x, x, 0.25)
    s2 = data.train_test_split(KEY, x, x, 0.25)
    s3 = data.train_test_split(jax.random.PRNGKey(1), x, x, 0.25)
    np.testing.assert_array_equal(s1.x_test, s2.x_test)
    assert not np.array_equal(s1.x_test, s3.x_test)
