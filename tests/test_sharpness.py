"""nntheory.analysis.sharpness against dense Hessians: jax.hessian of small nets flattened, its
eigenvalues by numpy.linalg.eigvalsh; quadratics whose spectrum is known in closed form."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.flatten_util import ravel_pytree

from nntheory import nets, train
from nntheory.analysis import sharpness as S

RTOL = 1e-4  # the accuracy asked of Lanczos against dense eigenvalues


def _symmetric(eigs, seed=0) -> jax.Array:
    """U diag(eigs) Uᵀ with a random orthogonal U: a symmetric matrix of known spectrum."""
    eigs = np.asarray(eigs, np.float64)
    u, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(eigs.size, eigs.size)))
    return jnp.asarray((u * eigs) @ u.T)


@functools.cache
def _net(activation="tanh"):
    """An MLP 4→12→12→2 (242 parameters), NTK parameterisation."""
    return nets.mlp(12, 2, 2, activation)


def _mlp_problem(activation="tanh", seed=0, n=6):
    """The MLP's parameters from ``seed`` and n Gaussian points with Gaussian targets."""
    net = _net(activation)
    params = net.init_params(jax.random.PRNGKey(seed), (-1, 4))
    kx, ky = jax.random.split(jax.random.PRNGKey(100 + seed))
    return net, params, (jax.random.normal(kx, (n, 4)), jax.random.normal(ky, (n, 2)))


def _loss(net, data):
    x, y = data
    return lambda p: train.mse(net.apply(p, x), y)


@functools.cache
def _hessian_fn(net):
    def hess(params, x, y):
        flat, unravel = ravel_pytree(params)
        return jax.hessian(lambda f: train.mse(net.apply(unravel(f), x), y))(flat)

    return jax.jit(hess)


def _dense_hessian(net, params, data) -> np.ndarray:
    """The flattened MSE Hessian of ``net`` at ``params``, by jax.hessian (n × n)."""
    return np.asarray(_hessian_fn(net)(params, *data), np.float64)


@functools.cache
def _top_fn(net, k=1):
    """top_eigenvalues of the MSE loss, jitted with the data and key as arguments."""
    return jax.jit(lambda p, x, y, key: S.top_eigenvalues(_loss(net, (x, y)), p, key, k=k))


def _dense_top(h: np.ndarray, k: int) -> np.ndarray:
    return np.linalg.eigvalsh(h)[::-1][:k]


def _rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def test_hvp_equals_dense_hessian_times_v():
    with jax.enable_x64(True):
        net, params, data = _mlp_problem()
        loss = _loss(net, data)
        v = jax.tree_util.tree_map(lambda a: jnp.cos(jnp.arange(a.size).reshape(a.shape)), params)
        got = ravel_pytree(jax.jit(lambda p, v: S.hvp(loss, p, v))(params, v))[0]
        want = _dense_hessian(net, params, data) @ np.asarray(ravel_pytree(v)[0])
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_top_k_match_dense_mlp_float64():
    with jax.enable_x64(True):
        net, params, data = _mlp_problem()
        assert ravel_pytree(params)[0].size == 242
        want = _dense_top(_dense_hessian(net, params, data), 3)
        got = _top_fn(net, 3)(params, *data, jax.random.PRNGKey(1))
        assert got.shape == (3,) and got.dtype == jnp.float64
        assert _rel(got, want) < RTOL, (np.asarray(got), want)


def test_top_eigenvalue_float32_relu_reaches_1e4():
    net, params, data = _mlp_problem("relu", seed=3)
    assert ravel_pytree(params)[0].dtype == jnp.float32
    want = _dense_top(_dense_hessian(net, params, data), 1)[0]
    one = S.top_eigenvalue(_loss(net, data), params, jax.random.PRNGKey(0))
    assert isinstance(one, float) and _rel(one, want) < RTOL


@functools.cache
def _quadratic_top(k=4):
    """Top-k Ritz values of ½ θᵀAθ (whose Hessian is A), jitted with A as an argument."""
    return jax.jit(lambda a, key: S.top_eigenvalues(
        lambda th: 0.5 * th @ a @ th, jnp.zeros(a.shape[0], a.dtype), key, k=k))


def test_quadratic_closed_form_largest_algebraic_not_largest_magnitude():
    with jax.enable_x64(True):
        key = jax.random.PRNGKey(0)
        # λ_max = 3, while |−7| is the largest magnitude: Lanczos must return 3, 2.5, 2, 1.5
        eigs = np.r_[3.0, 2.5, 2.0, 1.5, np.linspace(-7.0, -1.0, 36)]
        got = _quadratic_top()(_symmetric(eigs), key)
        assert _rel(got[0], eigs[0]) < 1e-8 and _rel(got, eigs[:4]) < 1e-6
        # all negative: the top eigenvalues are the ones nearest zero
        eigs = np.r_[-0.5, -1.0, -1.5, -2.0, np.linspace(-4.5, -10.0, 36)]
        got = _quadratic_top()(_symmetric(eigs, seed=1), key)
        assert _rel(got[0], eigs[0]) < 1e-8 and _rel(got, eigs[:4]) < 1e-6


def test_invariant_subspace_restarts_find_repeated_eigenvalues():
    # A has two distinct eigenvalues, so the Krylov space from any start is 2-dimensional and
    # β₂ = 0: the restarts must carry on and recover the threefold top eigenvalue 5
    with jax.enable_x64(True):
        a = _symmetric(np.r_[5.0, 5.0, 5.0, np.ones(37)], seed=2)
        got = _quadratic_top()(a, jax.random.PRNGKey(0))
        np.testing.assert_allclose(got, [5.0, 5.0, 5.0, 1.0], rtol=1e-10)
        # fewer parameters (3) than iterations (20): exact after 3 steps, no NaN
        got3 = _quadratic_top(3)(_symmetric([2.0, -1.0, 0.5], seed=3), jax.random.PRNGKey(1))
        np.testing.assert_allclose(got3, [2.0, 0.5, -1.0], rtol=1e-10)


def test_vmap_over_stacked_members_equals_per_member():
    with jax.enable_x64(True):
        problems = [_mlp_problem(seed=s) for s in range(3)]
        net, _, data = problems[0]
        stacked = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *[p[1] for p in problems])
        key = jax.random.PRNGKey(5)
        batched = jax.jit(jax.vmap(_top_fn(net, 3), in_axes=(0, None, None, None)))(
            stacked, *data, key)
        assert batched.shape == (3, 3)
        for i, (_, params, _) in enumerate(problems):
            assert _rel(batched[i], _dense_top(_dense_hessian(net, params, data), 3)) < RTOL
            np.testing.assert_allclose(batched[i], _top_fn(net, 3)(params, *data, key),
                                       rtol=1e-9)
        assert len({round(float(b), 6) for b in batched[:, 0]}) == 3  # the members differ


def test_inside_jit_and_scan_as_a_metrics_hook():
    # gradient descent in lax.scan, sharpness of the loss at the carried params at each step
    with jax.enable_x64(True):
        net, params, (x, y) = _mlp_problem(seed=1)
        loss = _loss(net, (x, y))

        def descend(p):
            return jax.tree_util.tree_map(lambda a, b: a - 0.1 * b, p, jax.grad(loss)(p))

        def step(p, _):
            return descend(p), S.top_eigenvalues(loss, p, jax.random.PRNGKey(0))[0]

        final, trace = jax.jit(lambda p: jax.lax.scan(step, p, None, length=3))(params)
        p, descend = params, jax.jit(descend)
        for t in range(3):
            assert _rel(trace[t], _dense_top(_dense_hessian(net, p, (x, y)), 1)[0]) < RTOL
            p = descend(p)
        np.testing.assert_allclose(ravel_pytree(final)[0], ravel_pytree(p)[0], rtol=1e-12)
        assert abs(float(trace[2] - trace[0])) > 1e-6  # the params did move


@functools.cache
def _adam_after_three(lr=0.05):
    """Three optax.adam updates of the float64 MLP problem (seed 0) in one jitted program:
    (params, state, gradients)."""
    net, params, data = _mlp_problem()
    loss, opt = _loss(net, data), optax.adam(lr)

    def run(params):
        state, grads = opt.init(params), []
        for _ in range(3):
            g = jax.grad(loss)(params)
            grads.append(ravel_pytree(g)[0])
            u, state = opt.update(g, state, params)
            params = optax.apply_updates(params, u)
        return params, state, grads

    return jax.jit(run)(params)


def test_adam_preconditioner_by_hand_after_three_steps():
    with jax.enable_x64(True):
        net, params, data = _mlp_problem()
        loss = _loss(net, data)
        b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.05
        p3, state, grads = _adam_after_three(lr)
        # v_3 = (1 − β₂) Σᵢ β₂^(3−i) gᵢ², by hand from the three gradients
        v = sum((1 - b2) * b2 ** (2 - i) * np.asarray(g) ** 2 for i, g in enumerate(grads))
        want = (1 - b1**3) * (np.sqrt(v / (1 - b2**3)) + eps)
        flat = lambda tree: np.asarray(ravel_pytree(tree)[0])
        np.testing.assert_allclose(flat(S.adam_preconditioner(state, 3)), want, rtol=1e-12)
        # the count from the state; Adam found inside a chain's state; a bare nu with its step
        np.testing.assert_allclose(flat(S.adam_preconditioner(state)), want, rtol=1e-12)
        chained = (optax.EmptyState(), state)  # the state of chain(clip_by_global_norm, adam)
        assert jax.tree_util.tree_structure(chained) == jax.tree_util.tree_structure(
            optax.chain(optax.clip_by_global_norm(1.0), optax.adam(lr)).init(params))
        np.testing.assert_allclose(flat(S.adam_preconditioner(chained)), want, rtol=1e-12)
        np.testing.assert_allclose(flat(S.adam_preconditioner(state[0].nu, 3)), want,
                                   rtol=1e-12)
        with pytest.raises(ValueError, match="2 Adam states"):
            S.adam_preconditioner((state, state))
        # Adam's next step is −η P⁻¹ m with P from the state after it (Cohen et al. 2022, Sec. 2)
        u, s4 = jax.jit(lambda p, s: optax.adam(lr).update(jax.grad(loss)(p), s, p))(p3, state)
        np.testing.assert_allclose(
            flat(u), -lr * flat(s4[0].mu) / flat(S.adam_preconditioner(s4)), rtol=1e-10)


def test_preconditioned_matches_dense_p_half_h_p_half():
    with jax.enable_x64(True):
        net, params, data = _mlp_problem()
        loss = _loss(net, data)
        precond = S.adam_preconditioner(_adam_after_three()[1])
        h = _dense_hessian(net, params, data)
        p = np.asarray(ravel_pytree(precond)[0])
        want = _dense_top(h / np.sqrt(np.outer(p, p)), 1)[0]  # P^(−1/2) H P^(−1/2)
        # P⁻¹H has the same spectrum (similar matrices)
        assert _rel(np.max(np.linalg.eigvals(h / p[:, None]).real), want) < 1e-8
        got = S.preconditioned_top_eigenvalue(loss, params, precond, jax.random.PRNGKey(0))
        assert isinstance(got, float) and _rel(got, want) < RTOL
        assert want > 10 * _dense_top(h, 1)[0]  # the preconditioner really changed it
        # P = I gives H's own top eigenvalue (the same compiled program, P as data)
        ones = jax.tree_util.tree_map(jnp.ones_like, params)
        plain = S.preconditioned_top_eigenvalue(loss, params, ones, jax.random.PRNGKey(0))
        assert _rel(plain, _dense_top(h, 1)[0]) < RTOL


def test_adam_threshold():
    assert S.adam_threshold(0.01) == pytest.approx(3800.0)  # 38/η at β₁ = 0.9
    assert S.adam_threshold(0.5, b1=0.0) == pytest.approx(2 / 0.5)  # gradient descent's 2/η


def _bad_cases():
    net, params, data = _mlp_problem()
    loss = _loss(net, data)
    x, _ = data
    key = jax.random.PRNGKey(0)
    ones = jax.tree_util.tree_map(jnp.ones_like, params)
    neg = jax.tree_util.tree_map(lambda a: a.at[(0,) * a.ndim].set(-1.0), ones)
    per_point = lambda p: jnp.sum(net.apply(p, x) ** 2, axis=-1)
    return [
        (lambda: S.top_eigenvalue(loss, params, key, iters=0), "iters"),
        (lambda: S.top_eigenvalues(loss, params, key, k=0), "k must"),
        (lambda: S.top_eigenvalues(loss, params, key, k=5, iters=4), "k must be at most iters"),
        (lambda: S.top_eigenvalues(loss, params, key, iters=2.5), "iters"),
        (lambda: S.top_eigenvalue(per_point, params, key), "scalar"),
        (lambda: S.top_eigenvalue(lambda p: (loss(p), loss(p)), params, key), "scalar"),
        (lambda: S.top_eigenvalues(lambda t: t @ t, jnp.ones(3), key, k=4, iters=5),
         "number of parameters"),
        (lambda: S.hvp(per_point, params, params), "scalar"),
        (lambda: S.hvp(loss, params, params[0]), "tree structure"),
        (lambda: S.preconditioned_top_eigenvalue(loss, params, neg, key), "positive"),
        (lambda: S.preconditioned_top_eigenvalues(loss, params, params[0], key), "precond"),
        (lambda: S.adam_preconditioner(ones), "step is required"),
        (lambda: S.adam_preconditioner(ones, 0), "step must"),
        (lambda: S.adam_preconditioner((), 1), "no Adam state"),
        (lambda: S.adam_preconditioner(ones, 1, b1=1.0), "b1"),
        (lambda: S.adam_threshold(0.0), "lr"),
    ]


def test_bad_input_raises_one_line():
    for call, needle in _bad_cases():
        with pytest.raises(ValueError, match=needle) as e:
            call()
        assert "\n" not in str(e.value)
