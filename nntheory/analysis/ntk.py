"""Wide networks against their kernels: the data, the measurements and the exponents of the NTK
study (``studies/ntk.py``), as plain functions of arrays.

* :func:`single_index_regression` and :func:`digits_split` — the two data sets (a smooth
  Gaussian-input target; sklearn's 8×8 digits, standardised, zero-mean one-hot targets);
* :func:`replicate_members` — several replicates' nets as one ensemble;
* :func:`accuracy`, :func:`centred_targets` — what a classifier's predictions score, and the
  targets that train a *centred* net f − f₀ (Lee et al. 2020, arXiv:2007.15801, Sec. 3);
* :func:`ntk_descent_predictions` — what the infinite-width net predicts after the same
  training time, for several data sets and nets at once;
* :func:`width_exponent`, :func:`farthest` — the fitted exponent of a quantity that falls as a
  power of the width, and the worst of several fitted exponents;
* :func:`mlp_sizes` — parameter count and training FLOPs of a dense net, from which the study
  estimates its full profile's time and memory.

The exponents the study tests (n the hidden width, NTK parameterisation, fixed training time):

* ‖Θ̂₀ − Θ‖ / ‖Θ‖ = O(n^(−1/2)) at initialisation (Jacot et al. 2018, Theorem 1; Lee et al. 2019,
  arXiv:1902.06720, Fig. 1): a central limit over n units;
* ‖Θ̂_t − Θ̂₀‖ and ‖f_t − f_t^lin‖: O(n^(−1/2)) as a bound (Lee et al. 2019, Theorem 2.1) and
  O(n^(−1)) from the Feynman-diagram asymptotics of Dyer & Gur-Ari (2020, arXiv:1909.11304,
  Conjecture 1, applied to the NTK and to f − f^lin in their Sec. 3), proved for polynomial
  activations by Aitken & Gur-Ari (2020, arXiv:2006.06687), who note that piecewise-linear
  activations such as ReLU behave differently;
* ‖f_t − f_t^Θ‖ (the net against the analytic NTK's prediction from the same f₀): n^(−1/2),
  being linear in Θ̂₀ − Θ to first order (Lee et al. 2019, Eqs. 9–11 with Theorem 2.1).

Nothing here reads files or prints.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from nntheory import kernels
from nntheory.analysis import approximation

#: images in sklearn's digits (``sklearn.datasets.load_digits``)
DIGITS_SIZE = 1797


def single_index_regression(key, n_train: int, n_test: int, dim: int,
                            frequency: float = 2.0) -> dict[str, jax.Array]:
    """x ~ N(0, I_dim) (train and test), y = sin(frequency · x·u) with u a random unit vector:
    a smooth single-index target of unit scale, the Gaussian-input regression setting of
    Lee et al. 2019 (arXiv:1902.06720, Sec. 3). Targets have shape (n, 1).

    Returns ``dict(x_train, y_train, x_test, y_test)``.
    """
    k_tr, k_te, k_u = jax.random.split(key, 3)
    u = jax.random.normal(k_u, (dim,))
    u = u / jnp.linalg.norm(u)
    x = jax.random.normal(k_tr, (n_train, dim))
    xt = jax.random.normal(k_te, (n_test, dim))
    f = lambda z: jnp.sin(frequency * z @ u)[:, None]
    return dict(x_train=x, y_train=f(x), x_test=xt, y_test=f(xt))


def digits_split(key, n_train: int, n_test: int) -> dict[str, np.ndarray]:
    """A seeded train/test split of sklearn's 8×8 digits (shipped with scikit-learn, no
    download): pixels standardised with the training split's mean and standard deviation,
    targets one-hot minus 1/10 (zero-mean regression targets, as Lee et al. 2018,
    arXiv:1711.00165, Sec. 3.1).

    Returns ``dict(x_train, y_train, x_test, y_test)`` (float32) and ``labels_test`` (int32).

    Raises:
      ValueError: if the split needs more than :data:`DIGITS_SIZE` images.
    """
    from sklearn.datasets import load_digits

    if n_train + n_test > DIGITS_SIZE:
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceed the {DIGITS_SIZE} images")
    d = load_digits()
    x, labels = d.data.astype(np.float64), d.target.astype(np.int32)
    perm = np.asarray(jax.random.permutation(key, len(x)))
    tr, te = perm[:n_train], perm[n_train:n_train + n_test]
    mu, sd = x[tr].mean(0), x[tr].std(0)
    x = (x - mu) / np.where(sd > 0, sd, 1.0)
    y = np.eye(10)[labels] - 0.1
    return dict(x_train=x[tr].astype(np.float32), y_train=y[tr].astype(np.float32),
                x_test=x[te].astype(np.float32), y_test=y[te].astype(np.float32),
                labels_test=labels[te])


def replicate_members(keys, seeds: int, data: dict | None = None):
    """Several replicates as one ensemble, replicate-major: ``seeds`` initialisation keys split
    from each replicate's key (K = replicates × seeds), the members' ids
    ``dict(replicate, seed)``, and each replicate's ``x_train, y_train, x_test, y_test``
    (leading replicate axis in ``data``) repeated for its seeds."""
    r = len(keys)
    init = jnp.concatenate([jax.random.split(k, seeds) for k in keys])
    ids = dict(replicate=np.repeat(np.arange(r), seeds), seed=np.tile(np.arange(seeds), r))
    return init, ids, {k: np.repeat(v, seeds, axis=0) for k, v in (data or {}).items()
                       if k in ("x_train", "y_train", "x_test", "y_test")}


def accuracy(pred, labels) -> np.ndarray:
    """Fraction of points whose largest output is the label: pred (…, n, classes), labels
    broadcasting against (…, n)."""
    return np.mean(np.argmax(np.asarray(pred), axis=-1) == np.asarray(labels), axis=-1)


def centred_targets(y_train, f0_train) -> np.ndarray:
    """The targets y + f₀(X) on which the plain net f trains exactly like the centred net
    g(θ, x) = f(θ, x) − f(θ₀, x) on y: g has f's gradients (f(θ₀, ·) is a constant) and
    ½‖g(X) − y‖² = ½‖f(X) − (y + f₀(X))‖². The centred net's prediction is then f_t − f₀.

    Centring removes the random initial function, whose variance does not shrink with width
    (Lee et al. 2019, Sec. 2.3: the trained net's output is a Gaussian whose variance comes
    from f₀; Lee et al. 2020, arXiv:2007.15801, Sec. 3: "centered and
    ensembled finite networks … behave more similarly to infinite networks"): as n → ∞ the
    centred net tends to the kernel's prediction from f₀ = 0, i.e. NTK gradient descent.
    """
    return np.asarray(y_train) + np.asarray(f0_train)


def ntk_descent_predictions(ntk, y_train, n_train: int, steps: int, learning_rate,
                            members: int = 1, f0_train=None, f0_test=None) -> np.ndarray:
    """Test predictions of NTK gradient descent (closed form, float64) after ``steps`` steps at
    ``learning_rate``, for R data sets at once: ``ntk`` (R, n + m, n + m) on the training then
    test points, ``y_train`` (R, n, k), one rate per data set; for ``members`` nets per data set
    from their own f₀ ((R·members, n, k), (R·members, m, k), replicate-major; None: 0).

    ``f_s(x*) = f₀(x*) + Θ_{*X} Θ^{−1} (I − (I − ηΘ/n)^s)(y − f₀(X))``: what an infinitely
    wide net trained for the same time predicts (Lee et al. 2019, arXiv:1902.06720, Eqs. 3,
    9–11; see :func:`nntheory.kernels.predict_gradient_descent`). Each data set's kernel is
    diagonalised once and broadcast over its members. Returns (R·members, m, k).
    """
    n, k = n_train, np.asarray(ntk, np.float64)[:, None]
    r = k.shape[0]
    per = lambda f: None if f is None else np.asarray(f, np.float64).reshape(
        (r, members) + np.shape(f)[1:])
    y = np.broadcast_to(np.asarray(y_train, np.float64)[:, None], (r, members) + np.shape(
        y_train)[1:])
    out = kernels.predict_gradient_descent(
        (k[..., :n, :n], k[..., n:, :n]), y, steps,
        np.asarray(learning_rate, np.float64).reshape(r, 1), f0_train=per(f0_train),
        f0_test=per(f0_test))[1]
    return out.reshape((r * members,) + out.shape[2:])


def width_exponent(width, value) -> float:
    """The exponent p of value ∝ widthᵖ: the least-squares slope of log value on log width,
    pooled over every (width, seed) pair given (the seeds of one width are repeated rows)."""
    return approximation.loglog_slope(np.asarray(width, np.float64),
                                      np.asarray(value, np.float64))


def mlp_sizes(d_in: int, width: int, depth: int, d_out: int) -> dict[str, float]:
    """Parameters of a dense net (``depth`` hidden layers of ``width``, biases included) and
    its forward FLOPs per input point (2 per multiply-add). One gradient step costs about
    3× the forward pass per point (forward, and the backward pass's two products per layer)."""
    dims = [d_in] + [width] * depth + [d_out]
    params = sum((a + 1) * b for a, b in zip(dims[:-1], dims[1:], strict=True))
    forward = sum(2 * a * b for a, b in zip(dims[:-1], dims[1:], strict=True))
    return dict(params=float(params), forward_flops=float(forward),
                train_flops=float(3 * forward))
