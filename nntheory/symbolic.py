"""Closed forms derived with sympy, and the numeric functions made from them.

Nothing here reads files or prints. Derivations are done symbolically at call time (cached),
then turned into numpy functions with ``sympy.lambdify``; tests compare them with independent
numbers (neural-tangents' analytic kernels, Monte Carlo, numerical integration).

Infinite-width kernels of one hidden layer (NTK parameterisation)
-----------------------------------------------------------------
For f(x) = σ_v/√n Σᵢ vᵢ φ(σ_w/√d wᵢ·x + σ_b bᵢ) + σ_b b with all weights N(0, 1), as n → ∞
(Neal 1996; Lee et al. 2018, arXiv:1711.00165, Eq. 4; Jacot et al. 2018, arXiv:1806.07572,
Theorem 1):

    Σ(x, x') = σ_w² x·x'/d + σ_b²                      (pre-activation covariance)
    K(x, x') = σ_v² E[φ(u) φ(v)] + σ_b²                 (NNGP)
    Θ(x, x') = K(x, x') + σ_v² Σ(x, x') E[φ'(u) φ'(v)]   (NTK)

with (u, v) ~ N(0, [[Σ(x,x), Σ(x,x')], [Σ(x,x'), Σ(x',x')]]). Deeper nets iterate the same
map layer by layer (Jacot et al. 2018, Theorem 1; Lee et al. 2019, arXiv:1902.06720, Eq. 13).
The Gaussian expectations are derived here:

* ReLU: the arc-cosine kernels of Cho & Saul (2009, NIPS 22, Eq. 1 and Sec. 2.1),
  E[Θ(u)Θ(v) uⁿvⁿ] = (Σ₁₁Σ₂₂)^{n/2} J_n(θ) / (2π), J₀ = π − θ, J₁ = sin θ + (π − θ) cos θ,
  θ = arccos(Σ₁₂ / √(Σ₁₁Σ₂₂)); ReLU is n = 1 and its derivative (the step) n = 0. Derived by
  writing (u, v) through two independent normals in polar coordinates: the radial and angular
  integrals separate.
* erf: Williams (1997, NIPS 9, Eq. 11), E[erf(u) erf(v)] = (2/π) arcsin(2Σ₁₂ /
  √((1 + 2Σ₁₁)(1 + 2Σ₂₂))). Derived from E[erf'(u) erf'(v)] = (4/π) / √((1 + 2Σ₁₁)(1 + 2Σ₂₂)
  − 4Σ₁₂²) (two Gaussian integrals, completing the square) and Price's theorem
  ∂E[f(u)g(v)]/∂Σ₁₂ = E[f'(u)g'(v)] (Price 1958, IRE Trans. Inf. Theory 4(2)), integrated
  from Σ₁₂ = 0, where E[erf(u) erf(v)] = 0 by symmetry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import sympy as sp

# Symbols shared by the derivations.
S11, S22 = sp.symbols("Sigma11 Sigma22", positive=True)
S12 = sp.symbols("Sigma12", real=True)
THETA = sp.symbols("theta", nonnegative=True)
XX, YY = sp.symbols("xx yy", nonnegative=True)  # x·x and x'·x'
XY = sp.symbols("xy", real=True)  # x·x'
DIM = sp.symbols("d", positive=True)
W_STD, OUT_W_STD, B_STD = sp.symbols("sigma_w sigma_v sigma_b", nonnegative=True)

#: Activations with a derived closed form here.
ACTIVATIONS = ("relu", "erf")


# ---------------------------------------------------------------------------------------------
# Gaussian expectations
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def arccos_expectation(n: int) -> sp.Expr:
    """E[Θ(u)Θ(v) uⁿ vⁿ] for (u, v) ~ N(0, Σ), as a sympy expression in Σ₁₁, Σ₂₂ and the angle
    θ = arccos(Σ₁₂ / √(Σ₁₁Σ₂₂)): the arc-cosine kernel of degree n (Cho & Saul 2009, Eq. 1).

    Derivation: u = √Σ₁₁ z₁, v = √Σ₂₂ (cos θ z₁ + sin θ z₂) with z ~ N(0, I₂); in polar
    coordinates z = r (cos α, sin α) both are positive for α ∈ (θ − π/2, π/2), and
    E = (Σ₁₁Σ₂₂)^{n/2} / (2π) · ∫₀^∞ r^{2n+1} e^{−r²/2} dr · ∫ cosⁿα cosⁿ(α − θ) dα.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"degree must be a non-negative integer, got {n!r}")
    r, alpha = sp.symbols("r alpha", nonnegative=True)
    radial = sp.integrate(r ** (2 * n + 1) * sp.exp(-(r**2) / 2), (r, 0, sp.oo))
    angular = sp.integrate(sp.cos(alpha) ** n * sp.cos(alpha - THETA) ** n,
                           (alpha, THETA - sp.pi / 2, sp.pi / 2))
    scale = (S11 * S22) ** sp.Rational(n, 2) / (2 * sp.pi)
    return sp.simplify(scale * radial * sp.simplify(angular))


def relu_expectations() -> tuple[sp.Expr, sp.Expr]:
    """(E[relu(u) relu(v)], E[relu'(u) relu'(v)]) in Σ₁₁, Σ₂₂, θ: arc-cosine degrees 1 and 0."""
    return arccos_expectation(1), arccos_expectation(0)


def _gaussian_integral(expr: sp.Expr, z: sp.Symbol) -> sp.Expr:
    """∫_ℝ c · exp(a z² + b z + e) dz = c √(π/(−a)) exp(e − b²/(4a)) for a < 0, by completing
    the square (expr = c · exp(quadratic in z), c free of z)."""
    expr = sp.powsimp(sp.expand(expr), combine="exp")
    c, e = expr.as_independent(z, as_Add=False)
    if not isinstance(e, sp.exp):
        raise ValueError(f"not of the form c·exp(quadratic in {z}): {expr}")
    poly = sp.Poly(sp.expand(e.args[0]), z)
    if poly.degree() != 2:
        raise ValueError(f"exponent is not quadratic in {z}")
    a, b, e0 = (poly.coeff_monomial(z**i) for i in (2, 1, 0))
    return c * sp.sqrt(sp.pi / (-a)) * sp.exp(e0 - b**2 / (4 * a))


@functools.lru_cache(maxsize=1)
def erf_expectations() -> tuple[sp.Expr, sp.Expr]:
    """(E[erf(u) erf(v)], E[erf'(u) erf'(v)]) in Σ₁₁, Σ₁₂, Σ₂₂ (Williams 1997, Eq. 11).

    E[erf'(u) erf'(v)] with erf'(u) = 2/√π e^{−u²} is two Gaussian integrals over independent
    normals (u = √Σ₁₁ z₁, v = √Σ₂₂ (ρ z₁ + √(1−ρ²) z₂), ρ = Σ₁₂/√(Σ₁₁Σ₂₂)); it has the form
    (4/π)/√(D − 4Σ₁₂²), D free of Σ₁₂ (checked), and Price's theorem integrates it in Σ₁₂
    from 0 to the NNGP expectation.
    """
    z1, z2 = sp.symbols("z1 z2", real=True)
    rho = sp.symbols("rho", real=True)
    u = sp.sqrt(S11) * z1
    v = sp.sqrt(S22) * (rho * z1 + sp.sqrt(1 - rho**2) * z2)
    density = sp.exp(-(z1**2 + z2**2) / 2) / (2 * sp.pi)
    integrand = (4 / sp.pi) * sp.exp(-(u**2) - v**2) * density
    dd = _gaussian_integral(_gaussian_integral(integrand, z2), z1)
    dd = sp.simplify(sp.powsimp(sp.simplify(dd.subs(rho, S12 / sp.sqrt(S11 * S22))), force=True))
    # Price's theorem: integrate over Σ₁₂ from 0 through the positive constant D.
    c = sp.symbols("c", real=True)
    big_d = sp.simplify((4 / (sp.pi * dd.subs(S12, c))) ** 2 + 4 * c**2)
    if sp.simplify(sp.diff(big_d, c)) != 0:
        raise ArithmeticError(f"E[erf' erf'] is not of the form (4/π)/√(D − 4Σ₁₂²): {dd}")
    d_pos = sp.symbols("D", positive=True)
    nngp = sp.integrate(4 / (sp.pi * sp.sqrt(d_pos - 4 * c**2)), (c, 0, S12))
    nngp = sp.simplify(nngp.subs(d_pos, sp.factor(big_d)))
    return nngp, sp.simplify(4 / (sp.pi * sp.sqrt(sp.factor(big_d) - 4 * S12**2)))


def expectations(activation: str) -> tuple[sp.Expr, sp.Expr]:
    """(E[φ(u)φ(v)], E[φ'(u)φ'(v)]) for one of :data:`ACTIVATIONS`, as sympy expressions
    (in Σ₁₁, Σ₂₂, θ for ReLU; in Σ₁₁, Σ₁₂, Σ₂₂ for erf)."""
    if activation == "relu":
        return relu_expectations()
    if activation == "erf":
        return erf_expectations()
    raise ValueError(f"no derived closed form for {activation!r}; "
                     f"allowed: {', '.join(ACTIVATIONS)}")


# ---------------------------------------------------------------------------------------------
# Kernels of one hidden layer, symbolic and numeric
# ---------------------------------------------------------------------------------------------


def _in_sigma(expr: sp.Expr, s11, s12, s22, keep_theta: bool = False) -> sp.Expr:
    """Substitute covariance entries; θ = arccos(Σ₁₂/√(Σ₁₁Σ₂₂)) too unless ``keep_theta``."""
    if not keep_theta:
        expr = expr.subs({THETA: sp.acos(s12 / sp.sqrt(s11 * s22))})
    return expr.subs({S11: s11, S12: s12, S22: s22}, simultaneous=True)


def _one_hidden_layer(activation: str, keep_theta: bool) -> tuple[sp.Expr, sp.Expr]:
    e_ff, e_dd = expectations(activation)
    s11 = W_STD**2 * XX / DIM + B_STD**2
    s12 = W_STD**2 * XY / DIM + B_STD**2
    s22 = W_STD**2 * YY / DIM + B_STD**2
    nngp = OUT_W_STD**2 * _in_sigma(e_ff, s11, s12, s22, keep_theta) + B_STD**2
    ntk = nngp + OUT_W_STD**2 * s12 * _in_sigma(e_dd, s11, s12, s22, keep_theta)
    return nngp, ntk


@functools.lru_cache(maxsize=4)
def one_hidden_layer_kernels(activation: str) -> tuple[sp.Expr, sp.Expr]:
    """The NNGP K and NTK Θ of a one-hidden-layer net in the NTK parameterisation (module
    docstring), as sympy expressions in x·x (``xx``), x·x' (``xy``), x'·x' (``yy``), the input
    dimension ``d`` and σ_w, σ_v (output weights), σ_b.

    K = σ_v² E[φφ](Σ) + σ_b², Θ = K + σ_v² Σ(x, x') E[φ'φ'](Σ), Σ = σ_w² (x·x')/d + σ_b²
    (Jacot et al. 2018, Theorem 1; Lee et al. 2019, Eq. 13).
    """
    return _one_hidden_layer(activation, keep_theta=False)


@functools.lru_cache(maxsize=4)
def _numeric_expectations(activation: str) -> Callable:
    """(Σ₁₁, Σ₁₂, Σ₂₂) ↦ (E[φφ], E[φ'φ']) as a float64 numpy function (lambdified); the
    correlation is clipped to [−1, 1] before arccos (rounding can push it past 1)."""
    e_ff, e_dd = expectations(activation)
    if activation == "relu":
        f = sp.lambdify((S11, S22, THETA), (e_ff, e_dd), "numpy")

        def fn(s11, s12, s22):
            theta = np.arccos(np.clip(s12 / np.sqrt(s11 * s22), -1.0, 1.0))
            return f(s11, s22, theta)
    else:
        f = sp.lambdify((S11, S12, S22), (e_ff, e_dd), "numpy")

        def fn(s11, s12, s22):
            return f(s11, s12, s22)
    return fn


def kernel_fn(activation: str, depth: int = 1, *, w_std: float = 2.0**0.5, b_std: float = 0.1,
              out_w_std: float | None = None) -> Callable:
    """A numeric (float64 numpy) version of the derived kernels: ``fn(x1, x2) -> (nngp, ntk)``,
    each (n1, n2), for an MLP of ``depth`` hidden layers in the NTK parameterisation with the
    conventions of :func:`nntheory.nets.mlp` (hidden weights σ_w, readout σ_v = ``out_w_std``,
    defaulting to σ_w, all biases σ_b).

    One hidden layer is :func:`one_hidden_layer_kernels` made numeric; deeper nets iterate the
    layer map Σ ↦ σ_w² E[φφ](Σ) + σ_b², Θ ↦ Σ_new + σ_w² Θ E[φ'φ'](Σ) (Jacot et al. 2018,
    Theorem 1; Lee et al. 2019, Eq. 13).
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    expect = _numeric_expectations(activation)
    sw2, sb2 = float(w_std) ** 2, float(b_std) ** 2
    sv2 = sw2 if out_w_std is None else float(out_w_std) ** 2

    def fn(x1, x2=None):
        x1 = np.asarray(x1, np.float64)
        x2 = x1 if x2 is None else np.asarray(x2, np.float64)
        d = x1.shape[-1]
        s12 = sw2 * (x1 @ x2.T) / d + sb2
        s11 = (sw2 * np.sum(x1**2, axis=-1) / d + sb2)[:, None]
        s22 = (sw2 * np.sum(x2**2, axis=-1) / d + sb2)[None, :]
        ntk = s12
        for layer in range(depth):
            scale = sv2 if layer == depth - 1 else sw2
            e_ff, e_dd = expect(s11, s12, s22)
            d11, _ = expect(s11, s11, s11)
            d22, _ = expect(s22, s22, s22)
            ntk = scale * e_dd * ntk
            s12, s11, s22 = scale * e_ff + sb2, scale * d11 + sb2, scale * d22 + sb2
            ntk = ntk + s12
        return s12, ntk

    return fn


@functools.lru_cache(maxsize=4)
def one_hidden_layer_kernel_fn(activation: str) -> Callable:
    """:func:`one_hidden_layer_kernels` lambdified: ``fn(xx, xy, yy, d, σ_w, σ_v, σ_b) ->
    (nngp, ntk)`` on numpy arrays (broadcasting), float64.

    For ReLU the angle θ stays a symbol of the lambdified expression and is computed with the
    correlation clipped to [−1, 1] (on the diagonal rounding can push it past 1, where
    sympy's sin(arccos ρ) = √(1 − ρ²) would be NaN).
    """
    nngp, ntk = _one_hidden_layer(activation, keep_theta=True)
    args = (XX, XY, YY, DIM, W_STD, OUT_W_STD, B_STD)
    f = sp.lambdify((*args, THETA), (nngp, ntk), "numpy")

    def fn(xx, xy, yy, d, w_std, out_w_std, b_std):
        s11 = w_std**2 * np.asarray(xx, np.float64) / d + b_std**2
        s12 = w_std**2 * np.asarray(xy, np.float64) / d + b_std**2
        s22 = w_std**2 * np.asarray(yy, np.float64) / d + b_std**2
        theta = np.arccos(np.clip(s12 / np.sqrt(s11 * s22), -1.0, 1.0))
        out = f(xx, xy, yy, d, w_std, out_w_std, b_std, theta)
        return tuple(np.broadcast_to(o, np.shape(theta)) for o in out)

    return fn


# ---------------------------------------------------------------------------------------------
# Linear regions and depth (depth_vs_width study)
# ---------------------------------------------------------------------------------------------


def sawtooth_piece_count(k=None):
    """The number of affine pieces of Telgarsky's sawtooth g_k = T∘…∘T (k tent maps), as the
    solution of the recurrence p_k = 2 p_{k−1}, p_0 = 1: each tent map sends every piece onto
    [0, 1] and folds it once, doubling the count, so p_k = 2^k.

    Returns the sympy expression in k (a symbol) or its value for an integer k.
    References: Telgarsky 2016 (arXiv:1602.04485), Sec. 2.
    """
    n = sp.Symbol("k", integer=True, nonnegative=True)
    p = sp.Function("p")
    expr = sp.rsolve(p(n) - 2 * p(n - 1), p(n), {p(0): 1})
    return expr if k is None else sp.Integer(expr.subs(n, k))


def shallow_region_bound(n0, n1):
    """The most regions a one-hidden-layer ReLU net with n1 units can cut ℝ^{n0} into:
    Σ_{j=0}^{n0} C(n1, j) (Zaslavsky's count for n1 hyperplanes in general position).

    For a 1-D input this is n1 + 1. Symbols or integers accepted.
    References: Pascanu, Montúfar & Bengio 2014 (arXiv:1312.6098), Prop. 5; Montúfar et al. 2014
    (arXiv:1402.1869), Sec. 2.2; Zaslavsky 1975.
    """
    j = sp.Symbol("j", integer=True, nonnegative=True)
    return sp.simplify(sp.summation(sp.binomial(n1, j), (j, 0, n0)))


def deep_region_lower_bound(n0, n, depth):
    """A count of regions that a ReLU net with ``depth`` hidden layers of width n >= n0 on
    ℝ^{n0} attains (so the maximum is at least this):
    (∏_{l=1}^{L−1} ⌊n/n0⌋^{n0}) · Σ_{j=0}^{n0} C(n, j).

    For n0 = 1 it is n^{L−1} (n + 1): exponential in depth at fixed width.
    References: Montúfar, Pascanu, Cho & Bengio 2014 (arXiv:1402.1869), Theorem 4.
    """
    return sp.floor(sp.Rational(n, n0)) ** (n0 * (depth - 1)) * shallow_region_bound(n0, n)


def deep_region_upper_bound(n0, widths):
    """Serra, Tjandraatmadja & Ramalingam's bound on the regions of a ReLU net on ℝ^{n0} with
    hidden widths n_1 … n_L:

    Σ_{(j_1,…,j_L) ∈ J} ∏_{l=1}^{L} C(n_l, j_l),
    J = {(j_1,…,j_L) : 0 <= j_l <= min(n0, n_1 − j_1, …, n_{l−1} − j_{l−1}, n_l)}.

    Evaluated exactly (a sympy Integer) by summing over J layer by layer, keyed on the running
    minimum. For n0 = 1 and every n_l >= 2 it is ∏ (n_l + 1).
    References: Serra et al. 2018 (arXiv:1711.02114), Theorem 1.
    """
    widths = [int(w) for w in widths]
    states = {int(n0): sp.Integer(1)}  # running min(n0, n_l − j_l, …) -> summed products
    for w in widths:
        nxt: dict[int, sp.Integer] = {}
        for cap, total in states.items():
            for j in range(0, min(cap, w) + 1):
                key = min(cap, w - j)
                nxt[key] = nxt.get(key, sp.Integer(0)) + total * sp.binomial(w, j)
        states = nxt
    return sp.Integer(sum(states.values()))


def yarotsky_sup_error(m=None):
    """``sup_{[0,1]} |f_m(x) − x²|`` for Yarotsky's f_m, the piecewise-linear interpolant of x² at
    the points j/2^m, derived symbolically: on a piece [a, a + h] the gap
    e(x) = a² + (2a + h)(x − a) − x² is a concave quadratic with e(a) = e(a + h) = 0, maximal at
    x = a + h/2 where e = h²/4, whatever a; with h = 2^(−m) the sup is 2^(−2m−2).

    Returns the expression in m (a symbol) or its exact value for an integer m.
    References: Yarotsky 2017 (arXiv:1610.01145), Proposition 2.
    """
    a, h, x = sp.symbols("a h x", positive=True)
    gap = a**2 + (2 * a + h) * (x - a) - x**2
    x_star = sp.solve(sp.diff(gap, x), x)[0]
    peak = sp.simplify(gap.subs(x, x_star))  # h**2/4, independent of a
    ms = sp.Symbol("m", integer=True, positive=True)
    expr = sp.powsimp(sp.simplify(peak.subs(h, sp.Integer(2) ** (-ms))), force=True)
    return expr if m is None else sp.nsimplify(expr.subs(ms, m))


# ---------------------------------------------------------------------------------------------
# Double descent: ridge and ridgeless least squares with isotropic features
# ---------------------------------------------------------------------------------------------
#
# Model (Hastie, Montanari, Rosset & Tibshirani 2022, Ann. Statist. 50(2), arXiv:1903.08560):
# y = Xβ + ε, rows of X ~ N(0, I_p), ε ~ N(0, σ²), ‖β‖² = r², n, p → ∞ with p/n → γ. Ridge
# β̂_λ = (XᵀX/n + λI)⁻¹Xᵀy/n has risk E_x[(xᵀ(β̂_λ − β))²] → bias + variance with
#   bias     = λ² βᵀ(Σ̂ + λ)⁻²β          → r² λ² ∫ dF_γ(s)/(s + λ)²
#   variance = (σ²/n) tr Σ̂(Σ̂ + λ)⁻²    → σ² γ ∫ s dF_γ(s)/(s + λ)²
# (Σ̂ = XᵀX/n, F_γ its Marchenko–Pastur limit; the bias needs only that β is isotropic with
# respect to the eigenvectors of Σ̂, which holds for Gaussian X). With M(λ) = ∫ dF_γ/(s + λ):
# ∫ dF/(s + λ)² = −M'(λ) and ∫ s dF/(s + λ)² = M + λM'.

DD_LAM, DD_GAMMA, DD_R2, DD_SIGMA2 = sp.symbols("lambda gamma r2 sigma2", positive=True)
DD_N = sp.symbols("n", positive=True)


def _risk_in_m(m_of_lam: sp.Expr) -> sp.Expr:
    dm = sp.diff(m_of_lam, DD_LAM)
    return -DD_R2 * DD_LAM**2 * dm + DD_SIGMA2 * DD_GAMMA * (m_of_lam + DD_LAM * dm)


@functools.lru_cache(maxsize=1)
def marchenko_pastur_stieltjes() -> sp.Expr:
    """M(λ) = ∫ dF_γ(s)/(s + λ), λ > 0, for the Marchenko–Pastur law F_γ of XᵀX/n, p/n → γ.

    Derived from the self-consistent equation of the Stieltjes transform, m(z) = 1/(1 − γ − z −
    γ z m(z)) (Marchenko & Pastur 1967; Bai & Silverstein 2010, Ch. 3), at z = −λ: the quadratic
    γλM² + (1 − γ + λ)M − 1 = 0, whose positive root is M (the other root is negative, and
    M(λ) > 0 for λ > 0).
    """
    m = sp.symbols("M")
    quadratic = sp.numer(sp.together(m - 1 / (1 - DD_GAMMA + DD_LAM + DD_GAMMA * DD_LAM * m)))
    roots = sp.solve(quadratic, m)
    # the positive root: the one with +√ (its value at λ = γ = 1 is (√5 − 1)/2 > 0)
    pos = [r for r in roots if sp.N(r.subs({DD_LAM: 1, DD_GAMMA: 1})) > 0]
    if len(pos) != 1:
        raise ArithmeticError(f"expected one positive root, got {roots}")
    return sp.simplify(pos[0])


@functools.lru_cache(maxsize=1)
def isotropic_ridge_risk() -> sp.Expr:
    """The limiting ridge risk R(λ; γ, r², σ²) = −r²λ²M'(λ) + σ²γ(M + λM'), M from
    :func:`marchenko_pastur_stieltjes` (Dobriban & Wager 2018, arXiv:1507.03003, Theorem 2.1;
    Hastie et al. 2022, Section 5). Numeric twin: ``analysis.double_descent.ridge_risk``."""
    return _risk_in_m(marchenko_pastur_stieltjes())


@functools.lru_cache(maxsize=1)
def ridgeless_limits() -> tuple[sp.Expr, sp.Expr]:
    """The λ → 0⁺ limits of :func:`isotropic_ridge_risk` on both sides of γ = 1:
    (σ²γ/(1 − γ), r²(1 − 1/γ) + σ²/(γ − 1)), each simplified and returned in γ.

    This is Hastie et al. 2022, Theorem 1 (min-norm least squares, isotropic features),
    derived here rather than copied: the two regimes are reached by writing γ = 1/(1 + t) and
    γ = 1 + t with t > 0, so that sympy knows the sign of 1 − γ under the square root.
    """
    t = sp.symbols("t", positive=True)
    risk = isotropic_ridge_risk()
    out = []
    for g_of_t, t_of_g in ((1 / (1 + t), 1 / DD_GAMMA - 1), (1 + t, DD_GAMMA - 1)):
        lim = sp.limit(risk.subs(DD_GAMMA, g_of_t), DD_LAM, 0, "+")
        out.append(sp.simplify(sp.factor(lim.subs(t, t_of_g))))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def optimal_ridge() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(λ*, R(λ*), the factor of dR/dλ): the risk-minimising ridge penalty and its risk.

    For any spectral distribution, with R = −r²λ²M' + σ²γ(M + λM'),

        dR/dλ = (σ²γ − r²λ) · (2M' + λM''),   2M' + λM'' = −2∫ s dF/(s + λ)³ < 0,

    so R falls for λ < σ²γ/r² and rises after it: λ* = σ²γ/r² = γ/SNR, and
    R(λ*) = σ²γ M(λ*) (the M' terms cancel). Checked here with M an undefined function, then
    with the Marchenko–Pastur M. References: Dobriban & Wager 2018, Theorem 2.1; Hastie et al.
    2022, Section 5; Nakkiran et al. 2020 (arXiv:2003.01897), Lemma 2.
    """
    f = sp.Function("M")(DD_LAM)
    generic = _risk_in_m(f)
    factor = 2 * sp.diff(f, DD_LAM) + DD_LAM * sp.diff(f, DD_LAM, 2)
    if sp.simplify(sp.diff(generic, DD_LAM) - (DD_SIGMA2 * DD_GAMMA - DD_R2 * DD_LAM) * factor):
        raise ArithmeticError("dR/dλ does not factor as (σ²γ − r²λ)(2M' + λM'')")
    lam_star = sp.solve(DD_SIGMA2 * DD_GAMMA - DD_R2 * DD_LAM, DD_LAM)[0]
    risk_star = sp.simplify(generic.subs(DD_LAM, lam_star).doit())
    m_star = f.subs(DD_LAM, lam_star)
    if sp.simplify(risk_star - DD_SIGMA2 * DD_GAMMA * m_star) != 0:
        raise ArithmeticError("R(λ*) is not σ²γ M(λ*)")
    mp_star = sp.simplify(DD_SIGMA2 * DD_GAMMA * marchenko_pastur_stieltjes().subs(DD_LAM,
                                                                                  lam_star))
    return lam_star, mp_star, factor


@functools.lru_cache(maxsize=1)
def finite_sample_limit() -> tuple[sp.Expr, sp.Expr]:
    """The n → ∞ limits (p = γn) of the exact finite-sample expectations of the min-norm risk
    for Gaussian X, σ²p/(n − p − 1) (p < n − 1) and r²(1 − n/p) + σ²n/(p − n − 1)
    (p > n + 1) — see ``analysis.double_descent.ridgeless_risk_finite`` — which must equal
    :func:`ridgeless_limits`. Returned as (under, over) in γ."""
    p = DD_GAMMA * DD_N
    under = sp.limit(DD_SIGMA2 * p / (DD_N - p - 1), DD_N, sp.oo)
    over = sp.limit(DD_R2 * (1 - DD_N / p) + DD_SIGMA2 * DD_N / (p - DD_N - 1), DD_N, sp.oo)
    return sp.simplify(under), sp.simplify(over)
