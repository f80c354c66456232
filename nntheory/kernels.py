"""Kernels of wide networks: analytic NNGP/NTK, the empirical NTK, linearisation, closed-form
gradient-descent predictions, and kernel distances.

The neural tangent kernel of a network f(θ, x) with parameters θ is

    Θ̂(x, x') = ∂f(θ, x)/∂θ · ∂f(θ, x')/∂θᵀ            (Jacot, Gabriel & Hongler 2018,
                                                         arXiv:1806.07572, Eq. 2 / Def. 1)

(averaged over the outputs here, like neural-tangents' ``trace_axes=(-1,)``). In the NTK
parameterisation it converges, as every hidden width → ∞, to a deterministic kernel Θ (the
*analytic* NTK) and stays constant during gradient descent (Jacot et al. 2018, Theorems 1–2);
the trained network then equals its linearisation around the initial parameters and, on the
MSE loss, kernel regression with Θ (Lee et al. 2019, arXiv:1902.06720, Theorem 2.1, Eqs. 8–11).

What is here (functions of arrays; nothing reads files or prints):

* :func:`analytic_kernels` — the infinite-width NNGP and NTK of a net (``net.kernel``,
  neural-tangents' closed forms);
* :func:`empirical_ntk` — Θ̂ at given parameters, with several implementations, among them
  ``"structured"``: for the MLPs of :func:`nntheory.nets.mlp`, each dense layer contributes
  (δ_l δ_lᵀ) ⊙ (c_l² a_{l−1} a_{l−1}ᵀ + β²), which costs O(n² Σ widths) instead of
  O(n² · parameters) (the idea of Novak et al. 2022, arXiv:2206.08720, "structured
  derivatives", written against JAX's public API);
* :func:`linearize`, :func:`linear_apply`, :func:`linearized_net` — the first-order Taylor
  model f_lin(θ, x) = f(θ₀, x) + J(θ₀, x)(θ − θ₀) (Lee et al. 2019, Eq. 5);
* :func:`predict_gradient_flow`, :func:`predict_gradient_descent`, :func:`kernel_regression`
  — closed-form MSE training in function space (Lee et al. 2019, Eqs. 9–11; Jacot et al.
  2018, Sec. 5), and the NNGP posterior mean (Lee et al. 2018, arXiv:1711.00165, Eq. 7);
* :func:`kernel_distance`, :func:`kernel_alignment`, :func:`max_learning_rate`,
  :func:`prediction_rmse`;
* :func:`empirical_ntk_ensemble`, :func:`empirical_ntk_at_init`, :func:`ensemble_apply` — the
  same for a stacked ensemble of nets (one member per seed or replicate), one compiled program
  per net;
* :func:`symbolic_kernel_errors` — the sympy-derived kernels of :mod:`nntheory.symbolic`
  against :func:`analytic_kernels`.

Time and loss conventions match :func:`nntheory.train.mse` (½ · mean over points of the
squared error, summed over outputs): gradient descent with rate η moves the function by
−(η/n) Θ̂ (f − y) per step, so "time" t means η × steps and the flow is
df/dt = −(1/n) Θ (f − y). neural-tangents' ``predict.gradient_descent_mse`` divides by
``y_train.size`` = n·k instead: its ``learning_rate=k`` reproduces ours. The kernels here are
traced over outputs; with Θ̂ the empirical NTK of a finite net the closed forms are exact for
its linearisation when it has one output, and for k > 1 outputs only in the infinite-width
limit (where the output kernel is Θ ⊗ I; at finite width cross-output blocks are not zero).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from nntheory import nets, train
from nntheory.compat.neural_tangents import nt, permissive
from nntheory.nets import Net

# ---------------------------------------------------------------------------------------------
# Analytic kernels
# ---------------------------------------------------------------------------------------------


class Kernels(NamedTuple):
    """The infinite-width NNGP kernel K and NTK Θ of a net on (x1, x2), each (n1, n2)."""

    nngp: jax.Array
    ntk: jax.Array


def analytic_kernels(net: Net, x1, x2=None, *, float64: bool = False) -> Kernels:
    """The analytic (infinite-width) NNGP and NTK of ``net`` between x1 (n1, d) and x2 (n2, d).

    K(x, x') = lim E[f(x) f(x')] over random initialisations, Θ = lim Θ̂ (Lee et al. 2018,
    arXiv:1711.00165, Eq. 4; Jacot et al. 2018, Theorem 1), from neural-tangents' ``kernel_fn``
    (``net.kernel``), in the inputs' dtype; ``float64=True`` computes them under
    ``jax.enable_x64`` and returns float64 numpy arrays (for solves with ill-conditioned Gram
    matrices and for closed-form checks).

    Raises:
      ValueError: if the net has no closed-form kernel (``net.kernel is None``).
    """
    if net.kernel is None:
        raise ValueError(f"{net.name} has no analytic kernel (neural-tangents has no closed "
                         "form for its activation)")
    if float64:
        with jax.enable_x64(True):
            a = jnp.asarray(np.asarray(x1, np.float64))
            b = a if x2 is None else jnp.asarray(np.asarray(x2, np.float64))
            k = net.kernel(a, b, ("nngp", "ntk"))
            return Kernels(np.asarray(k.nngp, np.float64), np.asarray(k.ntk, np.float64))
    k = net.kernel(x1, x1 if x2 is None else x2, ("nngp", "ntk"))
    return Kernels(k.nngp, k.ntk)


def symbolic_kernel_errors(activation: str, depth: int, x, *, w_std: float,
                           b_std: float) -> dict[str, float]:
    """The largest relative error ``max |K_sympy − K_nt| / max |K_nt|`` of the sympy-derived
    NNGP and NTK (:mod:`nntheory.symbolic`) against neural-tangents' (:func:`analytic_kernels`),
    both float64, on the points x (n, d), for an MLP of ``depth`` hidden layers in the NTK
    parameterisation (σ_w = σ_v = ``w_std``, σ_b = ``b_std``): ``{"nngp": …, "ntk": …}``.

    One hidden layer uses the lambdified closed form (arc-cosine kernels for ReLU, Cho & Saul
    2009, Eq. 1; erf, Williams 1997, Eq. 11), deeper nets the layer recursion (Jacot et al.
    2018, Theorem 1).
    """
    from nntheory import symbolic  # sympy: imported only where the derivations are used

    x = np.asarray(x, np.float64)
    ref = analytic_kernels(nets.mlp(16, depth, 1, activation, w_std=w_std, b_std=b_std), x,
                           float64=True)
    if depth == 1:
        sq = np.sum(x**2, axis=1)
        sym = symbolic.one_hidden_layer_kernel_fn(activation)(
            sq[:, None], x @ x.T, sq[None, :], x.shape[1], w_std, w_std, b_std)
    else:
        sym = symbolic.kernel_fn(activation, depth, w_std=w_std, b_std=b_std)(x)
    return {name: float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
            for name, a, b in (("nngp", sym[0], ref.nngp), ("ntk", sym[1], ref.ntk))}


# ---------------------------------------------------------------------------------------------
# Empirical NTK
# ---------------------------------------------------------------------------------------------

#: ``"auto"``: ``"structured"`` where it applies (MLPs of :func:`nntheory.nets.mlp`), else
#: ``"ntk_vector_products"`` (``benchmarks/ntk_empirical.py`` times ours against
#: neural-tangents' structured derivatives on the same MLP in one run; ours is the faster there,
#: so it stays the default). ``"jacrev"`` is the plain reference: full Jacobians, contracted.
#: ``"structured_derivatives"`` and ``"nt_auto"`` are neural-tangents' ``STRUCTURED_DERIVATIVES``
#: (any stax net, Novak et al. 2022) and ``AUTO`` (it compiles every implementation once per
#: input shape and keeps the one XLA counts fewest FLOPs for; it prints one line each), run
#: through the patches of :mod:`nntheory.compat.neural_tangents`.
IMPLEMENTATIONS = ("auto", "structured", "ntk_vector_products", "jacobian_contraction", "jacrev",
                   "structured_derivatives", "nt_auto")

_NT_IMPLEMENTATIONS = {
    "ntk_vector_products": "NTK_VECTOR_PRODUCTS",
    "jacobian_contraction": "JACOBIAN_CONTRACTION",
    "structured_derivatives": "STRUCTURED_DERIVATIVES",
    "nt_auto": "AUTO",
}
#: neural-tangents' names (``nt.NtkImplementation`` members or their names) → ours.
_FROM_NT_NAME = {v: k for k, v in _NT_IMPLEMENTATIONS.items()}


def supports_structured(net: Net) -> bool:
    """Whether the ``"structured"`` empirical NTK applies: an MLP built by
    :func:`nntheory.nets.mlp` (dense layers and an elementwise activation)."""
    return (net.info.get("kind") == "mlp" and not net.info.get("linearized", False)
            and net.info.get("out_activation") is None
            and net.info.get("parameterization") in ("ntk", "standard"))


def _dense_coefficients(info: dict, n_in: int, last: bool) -> tuple[float, float]:
    """(c, β) with z = c · a W + β · b for one dense layer of an :func:`nets.mlp` net
    (neural-tangents' ``stax.Dense``: NTK c = σ_w/√n_in, β = σ_b; standard c = β = 1)."""
    if info["parameterization"] == "standard":
        return 1.0, 1.0
    w_std = info["out_w_std"] if last else info["w_std"]
    return w_std / n_in**0.5, info["b_std"]


def mlp_ntk_factors(info: dict, params, x) -> tuple[list, list]:
    """The per-layer factors of an MLP's empirical NTK on the points x (n, d).

    For dense layer l (z_l = c_l a_{l−1} W_l + β_l b_l, a_l = φ(z_l), f = z_{L+1}) returns its
    inputs a_{l−1} (n, n_in) and δ_l = ∂f/∂z_l (k, n, n_out) for each of the k outputs: one
    backward pass per output through perturbations of the pre-activations (``jax.vjp``).
    """
    act = nets.activation(info["activation"]).fn
    dense = params[0::2]
    last = len(dense) - 1

    def forward(eps):
        h, inputs = x, []
        for i, (w, b) in enumerate(dense):
            c, beta = _dense_coefficients(info, w.shape[0], i == last)
            inputs.append(h)
            z = c * (h @ w) + beta * b + eps[i]
            h = z if i == last else act(z)
        return h, inputs

    eps0 = [jnp.zeros((x.shape[0], w.shape[1]), x.dtype) for w, _ in dense]
    out, vjp, inputs = jax.vjp(forward, eps0, has_aux=True)
    k = out.shape[-1]
    cot = jnp.broadcast_to(jnp.eye(k, dtype=out.dtype)[:, None, :], (k,) + out.shape)
    (deltas,) = jax.vmap(vjp)(cot)
    return inputs, deltas


def _structured_ntk(info: dict, params, x1, x2):
    """Θ̂ = Σ_l (1/k Σ_o δ_l,o(X1) δ_l,o(X2)ᵀ) ⊙ (c_l² a_{l−1}(X1) a_{l−1}(X2)ᵀ + β_l²):
    for a dense layer ∂f/∂W_l = c_l a_{l−1} ⊗ δ_l and ∂f/∂b_l = β_l δ_l, so the parameter
    sum factorises (Novak, Sohl-Dickstein & Schoenholz 2022, arXiv:2206.08720, Sec. 3)."""
    a1, d1 = mlp_ntk_factors(info, params, x1)
    a2, d2 = (a1, d1) if x2 is None else mlp_ntk_factors(info, params, x2)
    dense = params[0::2]
    last = len(dense) - 1
    k = d1[0].shape[0]
    out = 0.0
    for i, (w, _) in enumerate(dense):
        c, beta = _dense_coefficients(info, w.shape[0], i == last)
        dd = jnp.einsum("oiw,ojw->ij", d1[i], d2[i]) / k
        out = out + dd * (c**2 * (a1[i] @ a2[i].T) + beta**2)
    return out


def _jacrev_ntk(apply, params, x1, x2):
    """Θ̂ from the full Jacobians (reference implementation): J₁ J₂ᵀ traced over outputs."""
    j1 = jax.jacrev(apply)(params, x1)
    j2 = j1 if x2 is None else jax.jacrev(apply)(params, x2)
    n1, k = jax.tree_util.tree_leaves(j1)[0].shape[:2]
    n2 = jax.tree_util.tree_leaves(j2)[0].shape[0]
    out = 0.0
    for a, b in zip(jax.tree_util.tree_leaves(j1), jax.tree_util.tree_leaves(j2), strict=True):
        out = out + jnp.einsum("iop,jop->ij", a.reshape(n1, k, -1), b.reshape(n2, k, -1))
    return out / k


@functools.lru_cache(maxsize=64)
def _ntk_program(net: Net, implementation: str) -> Callable:
    if implementation == "structured":
        info = dict(net.info)
        return jax.jit(lambda p, x1, x2: _structured_ntk(info, p, x1, x2))
    if implementation == "jacrev":
        return jax.jit(functools.partial(_jacrev_ntk, net.apply))
    fn = nt.empirical_ntk_fn(
        net.apply, trace_axes=(-1,), vmap_axes=0,
        implementation=getattr(nt.NtkImplementation, _NT_IMPLEMENTATIONS[implementation]))
    fn = permissive(fn)
    return jax.jit(lambda p, x1, x2: fn(x1, x2, p))


def resolve_implementation(net: Net, implementation="auto") -> str:
    """The implementation ``empirical_ntk`` uses for ``net`` (``"auto"`` resolved).

    ``implementation`` is one of :data:`IMPLEMENTATIONS`, or a neural-tangents name:
    an ``nt.NtkImplementation`` member or its name (``"STRUCTURED_DERIVATIVES"`` →
    ``"structured_derivatives"``, ``"AUTO"`` → ``"nt_auto"``, …).

    Raises:
      ValueError: unknown implementation, ``"structured"`` for a net it does not apply to, or a
        neural-tangents implementation that is broken on this JAX (outside the pin of
        :mod:`nntheory.compat.neural_tangents`).
    """
    from nntheory.compat import neural_tangents as compat

    if isinstance(implementation, nt.NtkImplementation):
        implementation = implementation.name
    implementation = _FROM_NT_NAME.get(implementation, implementation)
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f"unknown NTK implementation {implementation!r}; allowed: "
                         f"{', '.join(IMPLEMENTATIONS)} (or neural-tangents' names: "
                         f"{', '.join(_FROM_NT_NAME)})")
    if implementation == "auto":
        return "structured" if supports_structured(net) else "ntk_vector_products"
    if implementation == "structured" and not supports_structured(net):
        raise ValueError(f"the structured NTK applies to nets.mlp networks only, not {net.name}")
    if _NT_IMPLEMENTATIONS.get(implementation) in compat.BROKEN_NTK_IMPLEMENTATIONS:
        raise ValueError(f"neural-tangents' {_NT_IMPLEMENTATIONS[implementation]} is broken on "
                         "this JAX (see nntheory.compat.neural_tangents)")
    return implementation


def empirical_ntk(net: Net, params, x1, x2=None, implementation="auto") -> jax.Array:
    """The empirical NTK Θ̂(x1, x2) = (1/k) Σ_o ∂f_o(x1)/∂θ · ∂f_o(x2)/∂θ, shape (n1, n2).

    Jacot et al. 2018, arXiv:1806.07572, Def. 1 (traced over the k outputs and divided by k,
    like neural-tangents' ``trace_axes=(-1,)``, so it is comparable with the analytic NTK).

    Implementations (:data:`IMPLEMENTATIONS`): ``"structured"`` (MLPs only, O(n² Σ widths); see
    :func:`_structured_ntk`), neural-tangents' ``"ntk_vector_products"``,
    ``"jacobian_contraction"`` and ``"structured_derivatives"`` (any stax net; Novak et al. 2022,
    arXiv:2206.08720, Sec. 3–4) and its ``"nt_auto"``, and ``"jacrev"`` (full Jacobians);
    neural-tangents' own names (``"STRUCTURED_DERIVATIVES"``, ``nt.NtkImplementation.AUTO``, …)
    are accepted too (:func:`resolve_implementation`). ``"auto"`` picks ``"structured"`` where
    it applies, else ``"ntk_vector_products"``. All are jitted (one
    compilation per net and implementation) and can be called under ``jax.vmap`` over a
    leading member axis of ``params``. ``x2=None`` means x2 = x1.
    """
    impl = resolve_implementation(net, implementation)
    if impl in _NT_IMPLEMENTATIONS and x2 is None:
        x2 = x1
    return _ntk_program(net, impl)(params, x1, x2)


# ---------------------------------------------------------------------------------------------
# Linearisation
# ---------------------------------------------------------------------------------------------


def linear_apply(apply: Callable, params0, params, x) -> jax.Array:
    """f_lin(θ, x) = f(θ₀, x) + J(θ₀, x) (θ − θ₀), by one forward-mode product (``jax.jvp``).

    Lee et al. 2019, arXiv:1902.06720, Eq. 5. ``params0`` is an argument, not a closure: under
    ``jit`` closed-over parameters become constants that XLA folds (minutes at width 4096).
    """
    dp = jax.tree_util.tree_map(jnp.subtract, params, params0)
    f0, df = jax.jvp(lambda p: apply(p, x), (params0,), (dp,))
    return f0 + df


def linearize(net: Net, params0) -> Callable[[Any, jax.Array], jax.Array]:
    """The linearised model of ``net`` around ``params0``, as ``f_lin(params, x)``.

    Lee et al. 2019, Eq. 5 (like ``nt.linearize``). The returned function closes over
    ``params0``: call it eagerly (it runs a jitted program taking ``params0`` as an argument),
    but do not wrap it in your own ``jit`` — use :func:`linear_apply` (``params0`` as an
    argument) or :func:`linearized_net` there.
    """
    program = _linear_program(net.apply)
    return lambda params, x: program(params0, params, x)


@functools.lru_cache(maxsize=64)
def _linear_program(apply):
    return jax.jit(functools.partial(linear_apply, apply))


@functools.lru_cache(maxsize=64)
def linearized_net(net: Net) -> Net:
    """A :class:`Net` whose function is the linearisation of ``net`` around its own initial
    parameters, so it trains with :func:`nntheory.train.fit` / ``fit_ensemble`` like any net.
    One object per ``net`` (cached), so repeated calls reuse its compiled training programs.

    Its parameters are ``{"p0": θ₀, "p": θ}`` (see :func:`linearized_params`) and
    ``apply(·, x) = linear_apply(net.apply, stop_gradient(θ₀), θ, x)`` (:func:`linear_apply`):
    θ₀ gets exactly zero gradient, so SGD, momentum and Adam leave it fixed (not weight decay:
    use no decay).
    """
    def init(key, input_shape):
        shape, p = net.init(key, input_shape)
        return shape, linearized_params(p)

    def apply(pp, x):
        return linear_apply(net.apply, jax.lax.stop_gradient(pp["p0"]), pp["p"], x)

    info = {**net.info, "linearized": True}
    return Net(init, apply, net.kernel, f"linearized {net.name}", info)


def linearized_params(params0) -> dict:
    """The parameters of :func:`linearized_net` at initialisation: ``{"p0": θ₀, "p": θ₀}``."""
    return {"p0": params0, "p": params0}


# ---------------------------------------------------------------------------------------------
# Closed-form MSE training in function space
# ---------------------------------------------------------------------------------------------


def _as64(x):
    return np.asarray(x, np.float64)


def _as_outputs(y):
    """float64 (…, n, k); a vector (n,) becomes (n, 1)."""
    y = _as64(y)
    return y[:, None] if y.ndim == 1 else y


def _spectral_solve(k_train_train, k_test_train, y_train, gain, f0_train, f0_test, diag_reg):
    """f = f₀ + K V g(λ) Vᵀ (y − f₀(X)) on train (K = Θ) and test (K = Θ_{*X}), with
    Θ + diag_reg·I = V diag(λ) Vᵀ; leading (batch) axes broadcast."""
    k = _as64(k_train_train)
    n = k.shape[-1]
    if k.shape[-2] != n:
        raise ValueError(f"k_train_train must be square, got {k.shape}")
    k = k + diag_reg * np.eye(n)
    y = _as_outputs(y_train)
    if y.shape[-2] != n:
        raise ValueError(f"y_train has {y.shape[-2]} points, the kernel {n}")
    f0_tr = 0.0 if f0_train is None else _as_outputs(f0_train)
    r0 = y - f0_tr
    lam, v = np.linalg.eigh(k)
    lam = np.maximum(lam, 0.0)
    g = gain(lam)
    coef = v @ (g[..., :, None] * (np.swapaxes(v, -1, -2) @ r0))
    f_train = f0_tr + np.einsum("...ij,...jk->...ik", k, coef)
    f_test = None
    if k_test_train is not None:
        kt = _as64(k_test_train)
        f_test = np.einsum("...ij,...jk->...ik", kt, coef)
        if f0_test is not None:
            f_test = _as_outputs(f0_test) + f_test
    return f_train, f_test


def _check_reg(diag_reg):
    if not diag_reg >= 0:
        raise ValueError(f"diag_reg must be >= 0, got {diag_reg!r}")


def _per_kernel(value, name: str) -> np.ndarray:
    """A time or rate as float64 with a trailing axis, broadcasting against eigenvalues
    (…, n): a number, or one per kernel of the leading axes."""
    try:
        v = np.asarray(value, np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    return v[..., None]


def predict_gradient_flow(kernel, y_train, t, *, f0_train=None, f0_test=None,
                          diag_reg: float = 0.0):
    """Function-space gradient flow on the MSE loss, in closed form (float64).

    ``f_t(X) = y + e^{−tΘ/n} (f₀(X) − y)``,
    ``f_t(x*) = f₀(x*) + Θ_{*X} Θ^{−1} (I − e^{−tΘ/n}) (y − f₀(X))``

    (Lee et al. 2019, arXiv:1902.06720, Eqs. 9–11; Jacot et al. 2018, Sec. 5), with n training
    points and t = learning rate × steps (the convention of :func:`nntheory.train.mse`). The
    linearised network under gradient flow follows it exactly with Θ = its empirical NTK at
    initialisation; the infinitely wide network with Θ = the analytic NTK. ``t = inf`` gives
    kernel regression from f₀. Computed in an eigenbasis, Θ^{−1}(I − e^{−tΘ/n}) as
    −expm1(−tλ/n)/λ, so singular directions contribute t/n, not NaN.

    Args:
      kernel: ``(k_train_train (…, n, n), k_test_train (…, m, n) or None)``.
      y_train: (n, k) or (n,) targets, or (…, n, k): one target set per leading index.
      t: time (``np.inf`` allowed): a number, or an array of the kernel's leading shape (one
        time per kernel, e.g. nets of several data sets, each at its own rate).
      f0_train, f0_test: the network's outputs at initialisation ((…, n, k), (…, m, k));
        ``None`` means zero (the mean over initialisations).
      diag_reg: added to Θ's diagonal (absolute units).

    Returns:
      ``(f_train_t (…, n, k), f_test_t (…, m, k) or None)`` as float64 numpy arrays.
    """
    _check_reg(diag_reg)
    k_tt, k_st = kernel
    n = np.shape(k_tt)[-1]
    given, t = t, _per_kernel(t, "t")
    if not np.all(t >= 0):
        raise ValueError(f"t must be >= 0, got {given!r}")

    def gain(lam):
        tol = lam.max(axis=-1, keepdims=True) * n * np.finfo(np.float64).eps
        inf = np.where(lam > tol, 1.0 / np.where(lam > tol, lam, 1.0), 0.0)
        tt = np.where(np.isinf(t), 0.0, t)
        safe = np.where(lam > 0, lam, 1.0)
        finite = np.where(lam > 0, -np.expm1(-tt * lam / n) / safe, tt / n)
        return np.where(np.isinf(t), inf, finite)

    return _spectral_solve(k_tt, k_st, y_train, gain, f0_train, f0_test, diag_reg)


def predict_gradient_descent(kernel, y_train, steps: int, learning_rate: float, *,
                             f0_train=None, f0_test=None, diag_reg: float = 0.0):
    """Discrete full-batch gradient descent on the MSE loss, in closed form (float64).

    A linear model with constant kernel Θ trained with rate η follows, exactly,
    ``f_s(X) − y = (I − ηΘ/n)^s (f₀(X) − y)`` and
    ``f_s(x*) = f₀(x*) + Θ_{*X} Θ^{−1} (I − (I − ηΘ/n)^s) (y − f₀(X))``
    (Lee et al. 2019, Eq. 3 with Eq. 5, before the continuous-time limit of Eq. 9). Same
    arguments as :func:`predict_gradient_flow`, ``learning_rate`` in place of t (a number or
    one per kernel); singular directions contribute η s / n.
    """
    _check_reg(diag_reg)
    k_tt, k_st = kernel
    n = np.shape(k_tt)[-1]
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    eta = _per_kernel(learning_rate, "learning_rate")

    def gain(lam):
        a = eta * lam / n
        safe = np.where(lam > 0, lam, 1.0)
        # 1 − (1 − a)^s, through log1p for the small a of stable training
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            powered = np.where(a < 1, -np.expm1(steps * np.log1p(-np.minimum(a, 1.0))),
                               1.0 - (1.0 - a) ** steps)
        return np.where(lam > 0, powered / safe, eta * steps / n)

    return _spectral_solve(k_tt, k_st, y_train, gain, f0_train, f0_test, diag_reg)


def kernel_regression(k_train_train, k_test_train, y_train, diag_reg: float = 0.0) -> np.ndarray:
    """Kernel (ridge) regression: ``K_{*X} (K + diag_reg·I)^{−1} y``, in float64.

    With K the NNGP kernel this is the Gaussian-process posterior mean with observation noise
    variance ``diag_reg`` (Lee et al. 2018, arXiv:1711.00165, Eq. 7; Rasmussen & Williams 2006,
    Eq. 2.25); with K the NTK and diag_reg = 0 it is the t → ∞ limit of
    :func:`predict_gradient_flow` from f₀ = 0 (Lee et al. 2019, Eq. 11). Leading axes of the
    kernels and of y (n, k) or (…, n, k) broadcast.
    """
    _check_reg(diag_reg)
    k = _as64(k_train_train)
    n = k.shape[-1]
    y = _as_outputs(y_train)
    lead = np.broadcast_shapes(k.shape[:-2], y.shape[:-2])
    alpha = np.linalg.solve(k + diag_reg * np.eye(n), np.broadcast_to(y, lead + y.shape[-2:]))
    return np.einsum("...ij,...jk->...ik", _as64(k_test_train), alpha)


def max_learning_rate(k_train_train) -> np.ndarray:
    """The largest stable full-batch learning rate for the linearised MSE dynamics:
    η < 2n / λ_max(Θ) (gradient descent on a quadratic with Hessian Θ/n; Lee et al. 2019,
    Sec. 2.4 and Theorem 2.1's condition η < η_critical). Replaces neural-tangents'
    ``predict.max_learning_rate``, which breaks on current SciPy."""
    k = _as64(k_train_train)
    return 2.0 * k.shape[-1] / np.linalg.eigvalsh(k)[..., -1]


# ---------------------------------------------------------------------------------------------
# Distances and alignment
# ---------------------------------------------------------------------------------------------


def kernel_distance(k1, k2) -> np.ndarray:
    """Relative Frobenius distance ‖K₁ − K₂‖_F / ‖K₂‖_F over the last two axes (leading axes
    kept). K₂ is the reference: the analytic kernel, or the kernel at initialisation for the
    drift during training (Lee et al. 2019, Fig. 1 and Sec. 2.3)."""
    k1, k2 = _as64(k1), _as64(k2)
    return np.linalg.norm(k1 - k2, axis=(-2, -1)) / np.linalg.norm(k2, axis=(-2, -1))


def kernel_alignment(k1, k2, centered: bool = False) -> np.ndarray:
    """Kernel alignment ⟨K₁, K₂⟩_F / (‖K₁‖_F ‖K₂‖_F), in [−1, 1], over the last two axes.

    Cristianini, Shawe-Taylor, Elisseeff & Kandola 2002 (NIPS 14), Def. 1; ``centered=True``
    first centres both Gram matrices, K ↦ HKH with H = I − 11ᵀ/n (Cortes, Mohri & Rostamizadeh
    2012, JMLR 13, Def. 2). Use it with K₂ = y yᵀ for kernel–target alignment.
    """
    k1, k2 = _as64(k1), _as64(k2)
    if centered:
        n1, n2 = k1.shape[-2], k1.shape[-1]
        if n1 != n2:
            raise ValueError("centred alignment needs square Gram matrices")
        h = np.eye(n1) - 1.0 / n1
        k1, k2 = h @ k1 @ h, h @ k2 @ h
    num = np.sum(k1 * k2, axis=(-2, -1))
    return num / (np.linalg.norm(k1, axis=(-2, -1)) * np.linalg.norm(k2, axis=(-2, -1)))


def prediction_rmse(a, b) -> np.ndarray:
    """Root mean square of a − b over the last two axes (points, outputs), leading axes kept."""
    a, b = _as64(a), _as64(b)
    return np.sqrt(np.mean((a - b) ** 2, axis=(-2, -1)))


# ---------------------------------------------------------------------------------------------
# Ensembles: many nets of one architecture at once
# ---------------------------------------------------------------------------------------------


def empirical_ntk_ensemble(net: Net, params, x, *, chunk_size: int | None = None) -> jax.Array:
    """Θ̂_k(x, x) of every member k of a stacked ensemble (``params`` with a leading member axis
    K; see :func:`nntheory.train.init_ensemble`), shape (K, n, n).

    ``x`` is (n, d), shared by the members, or (K, n, d): one input set per member (members
    drawn on different data). :func:`empirical_ntk` under ``jax.vmap`` (Jacot et al. 2018,
    arXiv:1806.07572, Def. 1), so one compilation serves the whole ensemble. Members are
    evaluated ``chunk_size`` at a time — by default as many as fit
    :func:`nntheory.train.memory_budget` (:func:`ensemble_chunk_size`) — so that wide nets on
    many points never hold every member's activations at once.
    """
    x = jnp.asarray(x)
    axis = 0 if x.ndim == 3 else None
    fn = lambda p, xi: jax.vmap(lambda pp, xx: empirical_ntk(net, pp, xx), (0, axis))(p, xi)
    return _by_chunks(fn, net, params, x, chunk_size, ntk=True)


def ensemble_chunk_size(net: Net, params, x, *, ntk: bool = False) -> int:
    """Members of a stacked ensemble that one vmapped evaluation on the points x ((n, d) or
    (K, n, d)) may hold within :func:`nntheory.train.memory_budget`: the per-member estimate of
    :func:`nntheory.train.member_bytes` (parameters and traced activations), times the outputs
    + 1 for an empirical NTK (one backward pass per output). At least 1."""
    one = jax.tree_util.tree_map(lambda a: a[0], params)
    x1 = x[0] if x.ndim == 3 else x
    per = train.member_bytes(net, one, {"x_train": x1}, None)
    if ntk:
        out = jax.eval_shape(net.apply, one, x1[:1])
        per *= out.shape[-1] + 1
    return max(1, train.memory_budget() // max(per, 1))


def _by_chunks(fn, net: Net, params, x, chunk_size: int | None, ntk: bool = False):
    """fn(params, x) over the leading member axis, ``chunk_size`` members at a time (x split
    with them when it has a member axis), concatenated; one call when every member fits."""
    k = jax.tree_util.tree_leaves(params)[0].shape[0]
    if chunk_size is None:
        chunk_size = ensemble_chunk_size(net, params, x, ntk=ntk)
    if chunk_size >= k:
        return fn(params, x)
    out = []
    for i in range(0, k, chunk_size):
        p = jax.tree_util.tree_map(lambda a, i=i: a[i:i + chunk_size], params)
        out.append(np.asarray(fn(p, x[i:i + chunk_size] if x.ndim == 3 else x)))
    return jnp.asarray(np.concatenate(out))


def empirical_ntk_at_init(net: Net, keys, x, *, chunk_size: int | None = None) -> np.ndarray:
    """Θ̂_{θ₀}(x, x) of one freshly initialised net per key, shape (K, n, n), float32 numpy.

    The random initial NTK whose distance to the analytic Θ falls as O(n^(−1/2)) (Jacot et al.
    2018, Theorem 1; Lee et al. 2019, arXiv:1902.06720, Fig. 1). ``x`` as for
    :func:`empirical_ntk_ensemble`. Members are initialised and evaluated ``chunk_size`` at a
    time — by default as many as fit half of :func:`nntheory.train.memory_budget` — so that
    wide, deep nets never hold every member's parameters at once. Parameters are drawn outside
    ``jit`` (:func:`nntheory.train.init_ensemble`): the random draws compile once per weight
    shape and are shared by every depth, where a jitted init would recompile them per net.
    """
    keys = jnp.asarray(keys)
    x = jnp.asarray(x)
    shape = (-1, x.shape[-1])
    if chunk_size is None:
        one = jax.eval_shape(lambda k: net.init_params(k, shape), keys[0])
        nbytes = sum(int(np.prod(a.shape)) * a.dtype.itemsize
                     for a in jax.tree_util.tree_leaves(one))
        chunk_size = max(1, train.memory_budget() // (2 * max(nbytes, 1)))
    out = []
    for i in range(0, keys.shape[0], chunk_size):
        params = train.init_ensemble(net, keys[i:i + chunk_size], shape)
        xi = x[i:i + chunk_size] if x.ndim == 3 else x
        out.append(np.asarray(empirical_ntk_ensemble(net, params, xi), np.float32))
    return np.concatenate(out)


def ensemble_apply(net: Net, params, x, *, chunk_size: int | None = None) -> jax.Array:
    """f(θ_k, x_k) for every member k of a stacked ensemble, shape (K, n, outputs); ``x`` is
    (n, d), shared by the members, or (K, n, d), one input set per member (as for
    :func:`empirical_ntk_ensemble`). One jitted program per net and input layout, reused by
    every call; members are evaluated ``chunk_size`` at a time (default: as many as fit
    :func:`nntheory.train.memory_budget`, see :func:`ensemble_chunk_size`)."""
    x = jnp.asarray(x)
    return _by_chunks(_ensemble_program(net, x.ndim == 3), net, params, x, chunk_size)


@functools.lru_cache(maxsize=64)
def _ensemble_program(net: Net, per_member: bool) -> Callable:
    return jax.jit(jax.vmap(net.apply, (0, 0 if per_member else None)))
