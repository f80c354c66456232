"""What neural-tangents 0.6.5 does through the shim on current JAX: pinned, so a JAX or
neural-tangents change that breaks (or fixes) something shows up here."""

import jax
import jax.numpy as jnp
import pytest

from nntheory.compat import neural_tangents as compat
from nntheory.compat.neural_tangents import nt, stax


def _rel(a, b):
    return float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b))


def _mlp(out):
    return stax.serial(
        stax.Dense(512, 1.5, 0.05), stax.Relu(),
        stax.Dense(512, 1.5, 0.05), stax.Relu(),
        stax.Dense(out, 1.5, 0.05),
    )


X = jax.random.normal(jax.random.PRNGKey(0), (8, 3))


def test_restored_names():
    import jax.core
    import jax.util  # noqa: F401  (the shim registers it)

    for name in ("Jaxpr", "JaxprEqn", "Literal", "Var", "Primitive"):
        assert hasattr(jax.core, name)
    assert hasattr(jax.random, "KeyArray")
    assert nt.__version__ == compat.REQUIRED_VERSION


@pytest.mark.parametrize("get,out", [("nngp", 512), ("ntk", 1)])
def test_analytic_kernel_matches_monte_carlo(get, out):
    # NNGP: 512 readout units × 64 draws (its Monte-Carlo noise falls with the readout width);
    # NTK: the gradient kernel of a single output, 64 draws. Both within 2e-2 (measured 1.1e-2).
    init, apply, kernel_fn = _mlp(out)
    exact = kernel_fn(X, X, get)
    mc = nt.monte_carlo_kernel_fn(init, apply, jax.random.PRNGKey(1), 64,
                                  implementation=nt.NtkImplementation.NTK_VECTOR_PRODUCTS)
    assert _rel(mc(X, X, get), exact) < 2e-2


def _empirical(implementation):
    init, apply, _ = _mlp(1)
    _, params = init(jax.random.PRNGKey(2), X.shape)
    fn = nt.empirical_ntk_fn(apply, trace_axes=(-1,),
                             implementation=getattr(nt.NtkImplementation, implementation))
    return fn(X, X, params)


def test_empirical_ntk_implementations_agree():
    a, b = (_empirical(i) for i in compat.WORKING_NTK_IMPLEMENTATIONS)
    assert _rel(a, b) < 1e-5


@pytest.mark.parametrize("implementation", compat.BROKEN_NTK_IMPLEMENTATIONS)
def test_known_broken_implementations_still_fail(implementation):
    # If this starts passing, neural-tangents or JAX changed: move the implementation to
    # WORKING_NTK_IMPLEMENTATIONS and use it.
    import warnings

    with warnings.catch_warnings(), pytest.raises((TypeError, KeyError)):
        # on its way to failing it trips JAX deprecation warnings about JAX internals
        warnings.simplefilter("ignore", DeprecationWarning)
        _empirical(implementation)


def test_experimental_is_stubbed_without_tensorflow():
    import sys

    assert "tensorflow" not in sys.modules
    assert "tensorflow" in (nt.experimental.__doc__ or "")
