"""nntheory.analysis.expressivity and the region/sawtooth/Yarotsky closed forms of
nntheory.symbolic: exact counts against the constructions' known answers, against dense
sampling and against each other (single vs batched, padded vs not)."""

from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

from nntheory import nets, symbolic, train
from nntheory.analysis import expressivity as ex

KEY = jax.random.PRNGKey(0)


def _one(params, i=0):
    return jax.tree_util.tree_map(lambda x: x[i], params)


# ---------------------------------------------------------------------------------------------
# Constructions with known answers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 12])
def test_sawtooth_has_exactly_2_to_the_k_pieces_at_the_dyadics(k):
    net = ex.sawtooth_net(k)
    params = net.init_params(KEY, (1,))
    r = ex.count_linear_regions(net, params, [0.0], [1.0])
    assert r.n_regions == r.n_pieces == 2**k
    np.testing.assert_array_equal(r.breakpoints, np.arange(1, 2**k) / 2**k)
    np.testing.assert_array_equal(np.abs(r.slope[:, 0]), np.full(2**k, 2.0**k))
    assert ex.sup_distance_pl(r, lambda t: ex.sawtooth(k, t), np.arange(2**k + 1) / 2**k) == 0
    assert net.info["n_params"] == nets.param_count(params) == 6 * k + 1
    x = np.linspace(0, 1, 257)[:, None]  # dyadic grid: float32 apply is exact there
    np.testing.assert_array_equal(np.asarray(net.apply(params, jnp.asarray(x)))[:, 0],
                                  ex.sawtooth(k, x[:, 0]))


@pytest.mark.parametrize("m", [1, 2, 3, 4, 6])
def test_yarotsky_square_interpolates_x2_with_error_2_to_minus_2m_minus_2(m):
    net = ex.yarotsky_square_net(m)
    params = net.init_params(KEY, (1,))
    r = ex.count_linear_regions(net, params, [0.0], [1.0])
    assert r.n_pieces == 2**m
    nodes = np.arange(2**m + 1) / 2**m
    np.testing.assert_allclose(r(nodes)[:, 0], nodes**2, atol=1e-15)  # interpolates x² there
    assert ex.sup_error_vs_square(r) == pytest.approx(2.0 ** (-2 * m - 2), rel=1e-12)
    assert net.info["n_params"] == 12 * m - 2


def test_one_hidden_layer_on_the_whole_line_has_width_plus_one_regions():
    for width in (1, 3, 17, 64):
        net = nets.mlp(width, 1, 1, "relu", parameterization="standard")
        params = _one(ex.sample_mlp_params(net, jax.random.PRNGKey(width), 1, 1))
        r = ex.count_linear_regions(net, params, [0.0], [1.0], whole_line=True)
        assert r.n_regions == width + 1 == r.n_pieces


def test_coincident_kinks_are_one_breakpoint():
    # two identical units switch at the same t: one breakpoint, in both implementations
    layers = [(np.array([[1.0, 1.0]]), np.array([-0.5, -0.5])), (np.array([[1.0], [2.0]]),
                                                                   np.array([0.0]))]
    r = ex.count_linear_regions("relu", layers, [0.0], [1.0])
    assert r.n_regions == 2 and r.breakpoints.tolist() == [0.5]
    st = ex.stack_nets([[(w[None], b[None]) for w, b in layers]])
    b = ex.count_regions_batch("relu", st, np.zeros((1, 1, 1)), np.ones((1, 1, 1)), capacity=4)
    assert b.n_regions.tolist() == [[2]]


# ---------------------------------------------------------------------------------------------
# Exact against sampling, single against batched, pieces against apply
# ---------------------------------------------------------------------------------------------

CASES = [
    # (activation, width, depth, input dim, parameterization)
    ("relu", 6, 1, 2, "standard"),
    ("relu", 8, 3, 3, "standard"),
    ("relu", 5, 4, 1, "ntk"),
    ("leaky_relu", 6, 3, 2, "standard"),
]


@pytest.mark.parametrize(("act", "width", "depth", "dim", "par"), CASES)
def test_exact_count_matches_dense_sampling_and_apply(act, width, depth, dim, par):
    net = nets.mlp(width, depth, 1, act, parameterization=par, b_std=0.3)
    params = ex.sample_mlp_params(net, KEY, 3, dim)
    rng = np.random.default_rng(1)
    for i in range(3):
        p = _one(params, i)
        a, b = rng.standard_normal(dim) * 2, rng.standard_normal(dim) * 2
        r = ex.count_linear_regions(net, p, a, b)
        assert r.n_regions == ex.count_regions_sampled(net, p, a, b, 100_001)
        assert len(r.breakpoints) == r.n_regions - 1 and np.all(np.diff(r.breakpoints) > 0)
        assert r.n_pieces <= r.n_regions and len(r.kinks) == r.n_pieces - 1
        t = np.linspace(0, 1, 513)
        x = a[None] + t[:, None] * (b - a)[None]
        np.testing.assert_allclose(r(t), np.asarray(net.apply(p, jnp.asarray(x, jnp.float32))),
                                   rtol=1e-4, atol=1e-5)


def test_sampling_methods_flips_and_changes():
    """Two ReLU kinks 1e-4 apart on [0, 1]: counting neuron flips sees both at 1,001 points;
    counting pattern changes needs a spacing below the gap (100,001 points)."""
    layers = [(np.array([[1.0, 1.0]]), np.array([-0.5, -0.5001])),
              (np.array([[1.0], [1.0]]), np.array([0.0]))]
    a, b = np.zeros(1), np.ones(1)
    assert ex.count_linear_regions("relu", layers, a, b).n_regions == 3
    assert ex.count_regions_sampled("relu", layers, a, b, 1001) == 3
    assert ex.count_regions_sampled("relu", layers, a, b, 1001, method="changes") == 2
    assert ex.count_regions_sampled("relu", layers, a, b, 100_001, method="changes") == 3
    with pytest.raises(ValueError, match="method must be 'flips' or 'changes'"):
        ex.count_regions_sampled("relu", layers, a, b, 11, method="distinct")


def test_batched_counts_equal_single_counts_whole_line_and_segments():
    net = nets.mlp(8, 3, 1, "relu", parameterization="standard", b_std=0.2)
    params = ex.sample_mlp_params(net, KEY, 4, 3)
    rng = np.random.default_rng(2)
    starts, ends = rng.standard_normal((2, 4, 3, 3))
    whole = np.array([[True, False, False]] * 4)
    got = ex.count_regions_batch(net, params, starts, ends, capacity=64, whole_line=whole,
                                 batch_size=2)
    assert not got.overflow.any()
    for i, j in itertools.product(range(4), range(3)):
        r = ex.count_linear_regions(net, _one(params, i), starts[i, j], ends[i, j],
                                    whole_line=bool(whole[i, j]))
        assert (got.n_regions[i, j], got.n_pieces[i, j]) == (r.n_regions, r.n_pieces)


def test_padding_nets_of_different_shapes_changes_no_count():
    groups, singles = [], []
    rng = np.random.default_rng(3)
    starts, ends = rng.standard_normal((2, 6, 2, 2))
    for g, (width, depth) in enumerate(((12, 1), (6, 2), (3, 4))):
        net = nets.mlp(width, depth, 1, "relu", parameterization="standard")
        params = ex.sample_mlp_params(net, jax.random.PRNGKey(g), 2, 2)
        groups.append(ex.affine_layers(net, params))
        singles += [[ex.count_linear_regions(net, _one(params, i), starts[2 * g + i, j],
                                             ends[2 * g + i, j]).n_regions for j in range(2)]
                    for i in range(2)]
    st = ex.stack_nets(groups)
    assert st.w_hidden.shape == (6, 3, 12, 12) and st.active.sum(1).tolist() == [0, 0, 1, 1,
                                                                                 3, 3]
    got = ex.count_regions_batch("relu", st, starts, ends, capacity=64)
    np.testing.assert_array_equal(got.n_regions, np.stack(singles))


def test_a_too_small_capacity_is_flagged():
    net = nets.mlp(16, 2, 1, "relu", parameterization="standard")
    params = ex.sample_mlp_params(net, KEY, 2, 1)
    got = ex.count_regions_batch(net, params, np.zeros((2, 1, 1)), np.ones((2, 1, 1)),
                                 capacity=3, whole_line=True)
    assert got.overflow.all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ex.count_linear_regions(nets.mlp(4, 1, 1, "tanh"), None, [0.0], [1.0]),
         "not piecewise linear"),
        (lambda: ex.count_regions_batch("relu", [(np.ones((1, 1, 2)), np.ones((1, 2))),
                                                 (np.ones((1, 2, 1)), np.ones((1, 1)))],
                                        np.zeros((1, 1, 1)), np.ones((1, 1, 1)), capacity=0),
         "capacity"),
        (lambda: ex.count_linear_regions("relu", [(np.ones((2, 2)), np.ones(2)),
                                                  (np.ones((2, 1)), np.ones(1))], [0.0], [1.0]),
         "start and end"),
        (lambda: ex.sawtooth_net(0), "positive integer"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_region_map_of_two_axis_units_is_four_quadrants():
    layers = [(np.eye(2), np.zeros(2)), (np.ones((2, 1)), np.zeros(1))]
    labels, n = ex.region_map_2d("relu", layers, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0],
                                 resolution=64)
    assert n == 4 and labels.shape == (64, 64)
    assert len({labels[0, 0], labels[0, -1], labels[-1, 0], labels[-1, -1]}) == 4


# ---------------------------------------------------------------------------------------------
# Trajectory length and mean field
# ---------------------------------------------------------------------------------------------


def test_trajectory_length_of_scaled_rotations_grows_by_the_scale():
    d, c = 6, 1.7
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((d, d)))
    layers = [(jnp.asarray(c * q), jnp.zeros(d))] * 4
    theta = jnp.linspace(0, 2 * jnp.pi, 2001)
    curve = jnp.stack([jnp.cos(theta), jnp.sin(theta)] + [0 * theta] * (d - 2), axis=1)
    lengths = np.asarray(ex.trajectory_length(ex.dense_layer(lambda z: z), layers, curve))
    np.testing.assert_allclose(lengths / lengths[0], c ** np.arange(5), rtol=1e-5)
    assert lengths[0] == pytest.approx(2 * np.pi, rel=1e-5)
    assert ex.growth_rate(lengths, skip=0) == pytest.approx(c, rel=1e-5)


@pytest.mark.parametrize("sigma_w2", [0.5, 1.0, 2.0, 3.0])
def test_mean_field_chi_relu_is_half_sigma_w2(sigma_w2):
    assert ex.mean_field_chi("relu", sigma_w2, 0.01)[1] == pytest.approx(sigma_w2 / 2, rel=1e-12)


@pytest.mark.parametrize(("sigma_w2", "side"), [(0.5, -1), (0.8, -1), (1.5, 1), (4.0, 1)])
def test_mean_field_chi_tanh_changes_side_at_one(sigma_w2, side):
    q, chi = ex.mean_field_chi("tanh", sigma_w2, 0.0)
    assert np.sign(chi - 1) == side
    if sigma_w2 < 1:  # ordered phase: q* = 0 and tanh is linear there
        assert q < 1e-10 and chi == pytest.approx(sigma_w2)


# ---------------------------------------------------------------------------------------------
# Random parameters without compilation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("par", ["standard", "ntk"])
def test_sample_mlp_params_matches_init_ensemble_in_layout_and_scale(par):
    net = nets.mlp(24, 1, 1, "relu", parameterization=par, w_std=1.5, b_std=0.3)
    got = ex.sample_mlp_params(net, KEY, 300, 5)
    ref = train.init_ensemble(net, jax.random.split(KEY, 300), (5,))
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(ref)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(ref), strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        # same scale: std over 300 draws of at least 300 numbers agrees to a few percent
        assert float(jnp.std(a)) == pytest.approx(float(jnp.std(b)), rel=0.08)
    again = ex.sample_mlp_params(net, KEY, 300, 5)
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(got),
                                                     jax.tree_util.tree_leaves(again),
                                                     strict=True))


# ---------------------------------------------------------------------------------------------
# Closed forms (nntheory.symbolic)
# ---------------------------------------------------------------------------------------------


def _serra_brute_force(n0, widths):
    total = 0
    for js in itertools.product(*(range(w + 1) for w in widths)):
        cap, ok = n0, True
        for j, w in zip(js, widths, strict=True):
            if j > min(cap, w):
                ok = False
                break
            cap = min(cap, w - j)
        if ok:
            total += math.prod(math.comb(w, j) for j, w in zip(js, widths, strict=True))
    return total


@pytest.mark.parametrize(("n0", "widths"), [(1, [8] * 4), (2, [3, 3]), (2, [4, 2, 5]),
                                            (3, [3, 4, 4])])
def test_serra_bound_matches_brute_force_enumeration(n0, widths):
    assert int(symbolic.deep_region_upper_bound(n0, widths)) == _serra_brute_force(n0, widths)


def test_region_closed_forms():
    k, n = sp.Symbol("k", integer=True, nonnegative=True), sp.Symbol("n", positive=True)
    assert sp.simplify(symbolic.sawtooth_piece_count() - 2**k) == 0
    assert [int(symbolic.sawtooth_piece_count(j)) for j in range(6)] == [1, 2, 4, 8, 16, 32]
    assert sp.simplify(symbolic.shallow_region_bound(1, n) - (n + 1)) == 0
    assert symbolic.shallow_region_bound(2, 5) == 1 + 5 + 10
    for w, depth in ((2, 5), (8, 3), (5, 1)):
        assert symbolic.deep_region_lower_bound(1, w, depth) == w ** (depth - 1) * (w + 1)
        assert symbolic.deep_region_upper_bound(1, [w] * depth) == (w + 1) ** depth
    m = sp.Symbol("m", integer=True, positive=True)
    assert sp.simplify(symbolic.yarotsky_sup_error() - 2 ** (-2 * m - 2)) == 0
    assert symbolic.yarotsky_sup_error(3) == sp.Rational(1, 256)


# ---------------------------------------------------------------------------------------------
# Helpers for studies
# ---------------------------------------------------------------------------------------------


def test_unstack_net_and_count_regions_exact_recount_overflows():
    groups = []
    for width, depth in ((12, 1), (4, 3)):
        net = nets.mlp(width, depth, 1, "relu", parameterization="standard")
        groups.append(ex.affine_layers(net, ex.sample_mlp_params(net, KEY, 2, 2)))
    st = ex.stack_nets(groups)
    starts, ends = np.random.default_rng(4).standard_normal((2, 4, 2, 2))
    whole = np.array([[True, False]] * 4)
    got = ex.count_regions_exact("relu", st, starts, ends, capacity=2, whole_line=whole)
    assert got.overflow.any()  # capacity 2 is too small for some: they were recounted
    for i, j in itertools.product(range(4), range(2)):
        r = ex.count_linear_regions("relu", ex.unstack_net(st, i), starts[i, j], ends[i, j],
                                    whole_line=bool(whole[i, j]))
        assert (got.n_regions[i, j], got.n_pieces[i, j]) == (r.n_regions, r.n_pieces)
    assert len(ex.unstack_net(st, 0)) == 2 and len(ex.unstack_net(st, 3)) == 4


def test_sample_mlp_ensembles_concatenates_one_ensemble_per_key():
    net = nets.mlp(5, 2, 1, "relu", parameterization="standard")
    keys = [jax.random.PRNGKey(1), jax.random.PRNGKey(2)]
    both = ex.sample_mlp_ensembles(net, keys, 3, 2)
    for i, key in enumerate(keys):
        one = ex.sample_mlp_params(net, key, 3, 2)
        for a, b in zip(jax.tree_util.tree_leaves(both), jax.tree_util.tree_leaves(one),
                        strict=True):
            np.testing.assert_array_equal(a[3 * i: 3 * i + 3], b)


def test_member_regions_and_sawtooth_sup_errors():
    net = nets.mlp(3, 2, 1, "relu", parameterization="standard")
    params = ex.sample_mlp_params(net, KEY, 3, 1)
    regions = ex.member_regions(net, params, [0.0], [1.0])
    assert [r.n_regions for r in regions] == [ex.count_linear_regions(
        net, _one(params, i), [0.0], [1.0]).n_regions for i in range(3)]
    # the sup error is exact: no grid point is farther from g_k than it
    sup = ex.sawtooth_sup_errors(net, params, [1, 2, 3])
    t = np.linspace(0, 1, 4097)
    for i, k in enumerate([1, 2, 3]):
        gap = np.abs(regions[i](t)[:, 0] - ex.sawtooth(k, t)).max()
        assert gap <= sup[i] + 1e-12 and sup[i] - gap < 1e-2  # grid spacing 2^-12
    # the construction itself is at distance 0
    saw = ex.sawtooth_net(3)
    p = jax.tree_util.tree_map(lambda x: x[None], saw.init_params(KEY, (1,)))
    assert ex.sawtooth_sup_errors(saw, p, [3]).tolist() == [0.0]


def test_random_lines_whole_lines_have_norm_sqrt_d():
    starts, ends, whole = ex.random_lines(KEY, 5, 7, 3)
    assert starts.shape == ends.shape == (5, 4, 7) and whole.shape == (5, 4)
    assert whole[:, 0].all() and not whole[:, 1:].any()
    np.testing.assert_array_equal(starts[:, 0], 0.0)
    np.testing.assert_allclose(np.linalg.norm(ends[:, 0], axis=-1), np.sqrt(7))
    again = ex.random_lines(KEY, 5, 7, 3)
    assert all(np.array_equal(a, b) for a, b in zip((starts, ends, whole), again, strict=True))


def test_random_circle_is_closed_with_radius_sqrt_d_in_its_plane():
    c = np.asarray(ex.random_circle(KEY, 6, 400))
    assert c.shape == (401, 6)
    np.testing.assert_allclose(c[0], c[-1], atol=1e-5)
    assert float(ex.curve_length(jnp.asarray(c))) > 0


def test_trajectory_lengths_match_one_net_at_a_time():
    net = nets.mlp(8, 3, 1, "tanh", parameterization="standard", w_std=1.5)
    layers = ex.affine_layers(net, ex.sample_mlp_params(net, KEY, 4, 8))[:-1]
    curve = ex.random_circle(KEY, 8, 200)
    phi = nets.activation("tanh").fn
    got = ex.trajectory_lengths(phi, layers, curve)
    assert got.shape == (4, 4)
    for i in range(4):
        one = [(w[i], b[i]) for w, b in layers]
        np.testing.assert_allclose(got[i], ex.trajectory_length(ex.dense_layer(phi), one, curve),
                                   rtol=1e-5)


@pytest.mark.parametrize("k", [1, 3])
def test_sawtooth_region_map_has_2_to_the_k_vertical_strips(k):
    labels = ex.sawtooth_region_map(k, 64)
    assert labels.max() + 1 == 2**k
    assert (labels == labels[:1]).all()  # constant along x₂ (rows): vertical strips


# ---------------------------------------------------------------------------------------------
# Exact tangent lengths and the mean field along depth
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma_w2", [1.0, 2.0, 3.0])
def test_mean_field_lengths_relu_grow_by_sqrt_half_sigma_w2_from_the_first_layer(sigma_w2):
    lengths = ex.mean_field_lengths("relu", sigma_w2, 0.01, 6)
    np.testing.assert_allclose(lengths, (sigma_w2 / 2) ** (np.arange(7) / 2), rtol=1e-12)
    assert ex.mean_field_growth("relu", sigma_w2, 0.01, 6) == pytest.approx(
        np.sqrt(sigma_w2 / 2), rel=1e-12)


@pytest.mark.parametrize("sigma_w2", [1.5, 3.0])
def test_mean_field_lengths_tanh_at_the_fixed_point_grow_by_sqrt_chi1(sigma_w2):
    q_star, chi = ex.mean_field_chi("tanh", sigma_w2, 0.0)
    lengths = ex.mean_field_lengths("tanh", sigma_w2, 0.0, 5, q1=q_star)
    np.testing.assert_allclose(lengths[1:] / lengths[:-1], np.sqrt(chi), rtol=1e-9)


def test_mean_field_growth_tanh_from_q1_approaches_the_fixed_point_with_depth():
    # at criticality q_l → 0 like 1/(2l): the finite-depth factor is below √χ₁(q*) = 1 and
    # approaches it as the net deepens; far from it the two agree
    shallow, deep = (ex.mean_field_growth("tanh", 1.0, 0.0, L) for L in (10, 40))
    assert shallow < deep < 1.0 and deep == pytest.approx(1.0, abs=0.05)
    far = ex.mean_field_growth("tanh", 4.0, 0.0, 10)
    assert far == pytest.approx(np.sqrt(ex.mean_field_chi("tanh", 4.0, 0.0)[1]), rel=5e-3)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: ex.mean_field_lengths("gelu", 1.0, 0.0, 3), "unknown activation"),
    (lambda: ex.mean_field_lengths("relu", 1.0, 0.0, 0), "depth"),
])
def test_mean_field_lengths_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_circle_with_tangents_is_a_circle_of_radius_sqrt_d_in_random_circles_plane():
    d, T = 6, 64
    points, tangents = (np.asarray(a, np.float64) for a in ex.circle_with_tangents(KEY, d, T))
    ref = np.asarray(ex.random_circle(KEY, d, T), np.float64)
    basis, _ = np.linalg.qr(ref[: T // 4 + 1: T // 4].T)  # two points of the old curve
    np.testing.assert_allclose(points - (points @ basis) @ basis.T, 0.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), np.sqrt(d), rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(tangents, axis=1), np.sqrt(d), rtol=1e-5)
    np.testing.assert_allclose(np.sum(points * tangents, axis=1), 0.0, atol=1e-4)
    fd = (np.roll(points, -1, 0) - np.roll(points, 1, 0)) / (2 * 2 * np.pi / T)
    np.testing.assert_allclose(fd, tangents * np.sinc(2 / T), atol=1e-4)  # central difference


def test_tangent_length_of_scaled_rotations_is_exact():
    d, c = 6, 1.7
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((d, d)))
    layers = [(jnp.asarray(c * q), jnp.zeros(d))] * 4
    points, tangents = ex.circle_with_tangents(KEY, d, 16)  # 16 points suffice: exact tangents
    lengths = np.asarray(ex.tangent_length(ex.dense_layer(lambda z: z), layers, points, tangents))
    np.testing.assert_allclose(lengths, 2 * np.pi * np.sqrt(d) * c ** np.arange(5), rtol=1e-5)


def test_tangent_length_equals_the_polyline_length_of_a_densely_sampled_smooth_curve():
    net = nets.mlp(8, 3, 1, "tanh", parameterization="standard", w_std=1.2)
    layers = [(w[0], b[0]) for w, b in ex.affine_layers(net, ex.sample_mlp_params(net, KEY, 1,
                                                                                  8))[:-1]]
    phi = ex.dense_layer(nets.activation("tanh").fn)
    points, tangents = ex.circle_with_tangents(KEY, 8, 4000)
    exact = np.asarray(ex.tangent_length(phi, layers, points, tangents))
    closed = jnp.concatenate([points, points[:1]])
    poly = np.asarray(ex.trajectory_length(phi, layers, closed))
    np.testing.assert_allclose(exact, poly, rtol=1e-3)  # the polyline is a lower bound
    assert np.all(poly <= exact * (1 + 1e-5))


@pytest.mark.parametrize("max_bytes", [None, 1, 40_000])
def test_tangent_lengths_match_one_net_at_a_time_in_any_chunking(max_bytes):
    net = nets.mlp(8, 3, 1, "relu", parameterization="standard", w_std=1.5, b_std=0.1)
    layers = ex.affine_layers(net, ex.sample_mlp_params(net, KEY, 5, 8))[:-1]
    points, tangents = ex.circle_with_tangents(KEY, 8, 50)
    phi = nets.activation("relu").fn
    got = ex.tangent_lengths(phi, layers, points, tangents, max_bytes=max_bytes)
    assert got.shape == (5, 4)
    for i in range(5):
        one = [(w[i], b[i]) for w, b in layers]
        np.testing.assert_allclose(got[i], ex.tangent_length(ex.dense_layer(phi), one, points,
                                                             tangents), rtol=1e-5)


@pytest.mark.parametrize(("act", "sigma_w2", "b_std"), [("relu", 3.0, 0.1), ("tanh", 0.5, 0.0),
                                                        ("tanh", 4.0, 0.0)])
def test_tangent_lengths_of_wide_nets_follow_the_mean_field(act, sigma_w2, b_std):
    width, depth = 256, 6
    net = nets.mlp(width, depth, 1, act, parameterization="standard", w_std=sigma_w2**0.5,
                   b_std=b_std)
    layers = ex.affine_layers(net, ex.sample_mlp_params(net, KEY, 4, width))[:-1]
    points, tangents = ex.circle_with_tangents(KEY, width, 64)
    lengths = ex.tangent_lengths(nets.activation(act).fn, layers, points, tangents)
    growth = np.exp(np.mean(np.log(ex.growth_rate(lengths, skip=2))))
    # finite-width bias <= 1.25/n and scatter of a 4-net mean: well inside 3 %
    assert growth == pytest.approx(ex.mean_field_growth(act, sigma_w2, b_std**2, depth), rel=0.03)


# ---------------------------------------------------------------------------------------------
# Helpers for studies: region scaling, sawtooth targets, growth of fresh nets, cross-checks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("c", "power"), [(1.0, 1.0), (0.8, 1.0), (1.0, 2.0), (3.0, 0.5)])
def test_region_scaling_reads_the_exponent_of_mean_minus_one(c, power):
    n = np.array([16.0, 32.0, 64.0, 128.0])
    slope, ratio = ex.region_scaling(n, c * n**power + 1)
    assert slope == pytest.approx(power, abs=1e-12)
    np.testing.assert_allclose(ratio, (c * n**power + 1) / (n + 1))


def test_region_scaling_of_n_plus_one_is_exactly_linear_and_one():
    slope, ratio = ex.region_scaling([8, 64], [9, 65])
    assert slope == pytest.approx(1.0) and np.allclose(ratio, 1.0)


@pytest.mark.parametrize("bad", [([8], [9]), ([8, 16], [9, 1]), ([0, 16], [9, 17]),
                                 ([8, 16], [9, 17, 33])])
def test_region_scaling_bad_input(bad):
    with pytest.raises(ValueError, match="region_scaling"):
        ex.region_scaling(*bad)


def test_sawtooth_targets_are_the_sawtooths_on_a_shared_grid():
    x, y = ex.sawtooth_targets([1, 3], 9)
    assert x.shape == y.shape == (2, 9, 1)
    np.testing.assert_array_equal(x[0], x[1])
    np.testing.assert_array_equal(y[0, :, 0], ex.sawtooth(1, np.linspace(0, 1, 9)))
    np.testing.assert_array_equal(y[1, :, 0], [0, 1, 0, 1, 0, 1, 0, 1, 0])  # g_3 at the j/8


def test_tangent_growth_matches_its_parts():
    net = nets.mlp(8, 4, 1, "relu", parameterization="standard", w_std=1.5, b_std=0.1)
    points, tangents = ex.circle_with_tangents(KEY, 8, 32)
    lengths, growth = ex.tangent_growth(net, KEY, 3, points, tangents, skip=1)
    layers = ex.affine_layers(net, ex.sample_mlp_params(net, KEY, 3, 8))[:-1]
    ref = ex.tangent_lengths(nets.activation("relu").fn, layers, points, tangents)
    np.testing.assert_allclose(lengths, ref)
    np.testing.assert_allclose(growth, ex.growth_rate(ref, skip=1))


def test_sampling_cross_check_and_init_region_maps():
    net = nets.mlp(6, 2, 1, "relu", parameterization="standard", w_std=2**0.5, b_std=0.1)
    st = ex.stack_nets([ex.affine_layers(net, ex.sample_mlp_params(net, KEY, 3, 2))])
    starts, ends = -np.ones((3, 2)), np.ones((3, 2))
    rows = ex.sampling_cross_check("relu", st, starts, ends, [0, 2], 20_001)
    assert len(rows) == 2 and all(r["exact"] == r["sampled"] for r in rows)
    assert all(r["exact_seconds"] >= 0 and r["sampled_seconds"] >= 0 for r in rows)
    maps = ex.init_region_maps({"a": net}, KEY, extent=2.0, resolution=32)
    assert maps["a"].shape == (32, 32) and maps["a"].dtype == np.int32
