"""neural-tangents 0.6.5 on current JAX, without tensorflow.

neural-tangents 0.6.5 (its last release, 2023) was written against JAX 0.4.x. On JAX 0.10 it
fails at import time because names it imports have moved or gone:

* ``jax.core.{Jaxpr, JaxprEqn, Literal, Var, Primitive}`` now live in ``jax.extend.core``;
* the module ``jax.util`` (``safe_map``, ``safe_zip``) is gone;
* ``jax.random.KeyArray`` is gone (keys are ``jax.Array``);
* ``jax.interpreters.ad.zeros_like_p`` is gone (only used as a dict key by the rules of the
  structured-derivatives NTK);
* ``neural_tangents.experimental`` imports tensorflow, a ~2 GB dependency we never use.

:func:`load` restores those names (only where they are missing, so a JAX that still has them
is left alone), stubs the ``experimental`` subpackage, and imports neural-tangents. Import
``nt`` and ``stax`` from here; nothing else in nntheory imports ``neural_tangents``.

What runs after the shim (pinned by ``tests/test_compat.py``): analytic ``kernel_fn`` of stax
nets, ``empirical_ntk_fn`` with ``JACOBIAN_CONTRACTION`` and ``NTK_VECTOR_PRODUCTS``,
``empirical_nngp_fn``, ``predict.gradient_descent_mse``, ``monte_carlo_kernel_fn``.
What does not: ``STRUCTURED_DERIVATIVES`` and ``AUTO`` (they rebuild JAX's internal
linearisation, whose signature changed: ``linearize() got multiple values for argument
'has_aux'``), and ``predict.max_learning_rate`` (calls ``scipy.linalg.eigvalsh(eigvals=...)``,
removed from SciPy).
"""

from __future__ import annotations

import importlib
import sys
import types

REQUIRED_VERSION = "0.6.5"

#: NTK implementations of neural-tangents that run through this shim.
WORKING_NTK_IMPLEMENTATIONS = ("JACOBIAN_CONTRACTION", "NTK_VECTOR_PRODUCTS")
#: NTK implementations that fail on current JAX (kept here so tests can pin the failure).
BROKEN_NTK_IMPLEMENTATIONS = ("STRUCTURED_DERIVATIVES", "AUTO")


class NeuralTangentsUnavailable(ImportError):
    """neural-tangents is missing or is not the version this shim was written for."""


def _restore_jax_names() -> None:
    import jax
    import jax._src.util as jax_util
    import jax.core
    import jax.extend.core as jex_core
    import jax.interpreters.ad as ad

    for name in ("Jaxpr", "JaxprEqn", "Literal", "Var", "Primitive"):
        if not hasattr(jax.core, name):
            setattr(jax.core, name, getattr(jex_core, name))
    if "jax.util" not in sys.modules:
        try:
            importlib.import_module("jax.util")
        except ImportError:
            util = types.ModuleType("jax.util")
            util.safe_map = jax_util.safe_map
            util.safe_zip = jax_util.safe_zip
            sys.modules["jax.util"] = util
            jax.util = util
    if not hasattr(jax.random, "KeyArray"):
        jax.random.KeyArray = jax.Array
    if not hasattr(ad, "zeros_like_p"):
        # A placeholder primitive: neural-tangents only uses it as a key of its rule tables.
        ad.zeros_like_p = jex_core.Primitive("zeros_like")


def _stub_experimental() -> None:
    # neural_tangents/__init__.py does `from . import experimental`, whose modules import
    # tensorflow. Register an empty package under that name so the import is a no-op.
    name = "neural_tangents.experimental"
    if name not in sys.modules:
        stub = types.ModuleType(name)
        stub.__doc__ = "Stubbed by nntheory.compat: needs tensorflow, which is not installed."
        stub.__path__ = []
        sys.modules[name] = stub


def load():
    """Import neural-tangents through the shim and return ``(nt, stax)``.

    Raises:
      NeuralTangentsUnavailable: with a one-line message, if it is missing or another version.
    """
    if "neural_tangents" in sys.modules and hasattr(sys.modules["neural_tangents"], "stax"):
        nt = sys.modules["neural_tangents"]
        return nt, nt.stax
    try:
        from importlib.metadata import PackageNotFoundError, version

        found = version("neural-tangents")
    except PackageNotFoundError:
        raise NeuralTangentsUnavailable(
            "neural-tangents is not installed: run `make install` "
            f"(it installs neural-tangents=={REQUIRED_VERSION} with --no-deps)"
        ) from None
    if found != REQUIRED_VERSION:
        raise NeuralTangentsUnavailable(
            f"neural-tangents {found} is installed but nntheory's shim is written for "
            f"{REQUIRED_VERSION}: run `make install`"
        )
    _restore_jax_names()
    _stub_experimental()
    import warnings

    with warnings.catch_warnings():
        # Its import-time deprecation warnings are about its own use of JAX, not ours.
        warnings.simplefilter("ignore", DeprecationWarning)
        import neural_tangents as nt
    return nt, nt.stax


def permissive(fn):
    """Wrap a neural-tangents function so it runs under ``jax_numpy_rank_promotion="allow"``.

    stax's standard-parameterisation ``Dense`` adds a bias of shape (n,) to outputs of shape
    (batch, n), relying on implicit rank promotion; nntheory's tests run with rank promotion
    set to "raise" to keep our own code strict, so calls into neural-tangents are exempted here
    (the setting is read while tracing, so this also holds under ``jit``).
    """
    import functools

    import jax

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with jax.numpy_rank_promotion("allow"):
            return fn(*args, **kwargs)

    return wrapped


nt, stax = load()

__all__ = ["nt", "stax", "load", "permissive", "WORKING_NTK_IMPLEMENTATIONS",
           "BROKEN_NTK_IMPLEMENTATIONS", "NeuralTangentsUnavailable"]
