"""neural-tangents 0.6.5 on current JAX and SciPy, without tensorflow.

neural-tangents 0.6.5 (its last release, 2023) was written against JAX 0.4.x. On JAX 0.10 it
fails at import time because names it imports have moved or gone:

* ``jax.core.{Jaxpr, JaxprEqn, Literal, Var, Primitive}`` now live in ``jax.extend.core``;
* the module ``jax.util`` (``safe_map``, ``safe_zip``) is gone;
* ``jax.random.KeyArray`` is gone (keys are ``jax.Array``);
* ``jax.interpreters.ad.zeros_like_p`` is gone (only used as a dict key by the rules of the
  structured-derivatives NTK);
* ``neural_tangents.experimental`` imports tensorflow, a ~2 GB dependency we never use.

:func:`load` restores those names (only where they are missing, so a JAX that still has them
is left alone), stubs the ``experimental`` subpackage, imports neural-tangents, then applies the
runtime patches below (:func:`apply_patches`). Import ``nt`` and ``stax`` from here; nothing
else in nntheory imports ``neural_tangents``.

**Pin guard.** The runtime patches replace private functions of neural-tangents and call
private JAX internals, so they are applied only to neural-tangents == :data:`REQUIRED_VERSION`
on a JAX inside :data:`TESTED_JAX` (the versions ``tests/test_compat.py`` was run on). Another
neural-tangents version raises :class:`NeuralTangentsUnavailable`; a JAX outside the range
gets one warning line (:class:`UntestedVersionWarning`) naming what is untested, and the
runtime patches are not applied (:data:`APPLIED_PATCHES` is then empty).

**Status of each part of neural-tangents** (pinned by ``tests/test_compat.py`` and
``tests/test_kernels.py``):

Works through the import shim alone:

* ``stax`` analytic ``kernel_fn`` of Dense / Conv / pooling / residual (``FanOut``,
  ``parallel``, ``FanInSum``) / attention stacks, the elementwise rules, ``init_fn`` and
  ``apply_fn``;
* ``empirical_ntk_fn`` / ``empirical_kernel_fn`` with ``JACOBIAN_CONTRACTION`` and
  ``NTK_VECTOR_PRODUCTS``, ``empirical_nngp_fn``, ``linearize``, ``taylor_expand``;
* ``monte_carlo_kernel_fn``, ``batch``;
* ``predict.gradient_descent_mse`` (un-batched), ``predict.gp_inference``,
  ``predict.gradient_descent_mse_ensemble``, ``predict.gradient_descent``.

Patched here (reason; upstream function replaced):

* ``NtkImplementation.STRUCTURED_DERIVATIVES`` (the library's default) and ``AUTO`` —
  ``neural_tangents._src.empirical._get_primals_out_and_pullback`` calls
  ``jax.interpreters.ad.linearize(fn, *primals, has_aux=False)``; JAX >= 0.7's internal
  ``linearize(traceable, primals_ft, has_aux, is_vjp)`` takes a ``FlatTree`` and returns
  ``(out_primals, out_zeros, jaxpr, consts)`` (``TypeError: linearize() got multiple values for
  argument 'has_aux'``). Six names of ``neural_tangents._src.empirical`` are replaced, nothing
  in JAX itself:

  - ``empirical.ad`` (the module as seen by neural-tangents) becomes a view of
    ``jax.interpreters.ad`` whose ``linearize`` adapts the old call and return (the
    ``PartialVal``'s ``is_known()`` of each output is "its tangent is a symbolic zero") and
    whose ``config.jax_enable_checks`` is False (the check behind it calls
    ``jax.core.lattice_join``, removed) and whose ``source_info_util`` is JAX's private
    module of that name (no longer re-exported);
  - ``empirical.core`` becomes a view of ``jax.core`` with a ``DShapedArray`` no value is an
    instance of (dynamic shapes were removed from JAX, so ``_read_primal``'s branch is dead);
  - ``empirical._eqn_vjp_fn`` (the transpose of one equation) is replaced by a port of
    ``jax._src.interpreters.ad.backward_pass3``'s per-equation dispatch: JAX 0.10 transposes
    ``mul``, ``dot_general``, ``conv``, ``slice``, ``jit`` … through ``ad.fancy_transposes``
    (gradient accumulators) and has no ``Primitive.map_primitive``;
  - ``empirical.lu`` becomes a view of ``jax.extend.linear_util`` whose ``wrap_init`` passes
    the ``DebugInfo`` JAX now asks for (without it every call warns of a deprecation);
  - ``empirical.jnp`` becomes a view of ``jax.numpy`` whose ``dtype`` takes an array's
    dtype first (``_get_fx_axis_and_dtype`` calls ``jnp.dtype(array)``, deprecated; eager
    calls warned);
  - ``empirical._get_flops`` (used by ``AUTO`` only): ``Compiled.cost_analysis()`` now returns
    one dict, not a list of dicts (``KeyError: 0``).

  (``AUTO`` still prints one ``impl=…, flops=…`` line per implementation, upstream.)
* ``predict.max_learning_rate`` — calls ``scipy.linalg.eigvalsh(a, eigvals=(lo, hi))``;
  SciPy 1.14 removed ``eigvals`` for ``subset_by_index``. ``neural_tangents._src.predict.sp``
  (its ``scipy``) becomes a view of SciPy whose ``linalg.eigvalsh`` renames the keyword.
  Applied whenever the installed SciPy lacks ``eigvals`` (it does not depend on JAX).
* ``predict.gradient_descent_mse`` under ``jax.vmap`` / ``jit`` of the kernel (the other
  ``predict`` functions do not use ``eval_context`` and need no patch) — it computes the
  eigendecomposition / Cholesky factor of ``k_train_train`` inside ``jax.core.eval_context()``;
  with JAX's stackless tracing (>= 0.4.36) a traced kernel there raises
  ``UnexpectedTracerError``. ``neural_tangents._src.predict._get_fns_in_eigenbasis`` and
  ``_get_cho_solve`` are wrapped: given a tracer inside the evaluation context, they run under
  that tracer's own trace (what ``eval_context`` did before); concrete kernels are untouched.

Known broken (not patched):

* forward-mode differentiation (``jax.jacfwd``) of a jitted WideResNet ``kernel_fn`` with
  ``jax_enable_x64`` on CPU crashes XLA with a segmentation fault (float32 passes): an upstream
  XLA/JAX fault, reproduced only in a subprocess by ``tests/test_compat.py``
  (``test_known_upstream_fault_wideresnet_jacfwd_float64``, xfail, strict) so the suite itself
  cannot crash;
* ``neural_tangents.experimental`` (needs tensorflow): stubbed, empty.
"""

from __future__ import annotations

import importlib
import sys
import types

REQUIRED_VERSION = "0.6.5"
#: JAX versions the runtime patches were written and tested against: lo <= jax < hi.
TESTED_JAX = ("0.10.2", "0.11")

#: The four NTK implementations of neural-tangents; all run once the patches are applied.
ALL_NTK_IMPLEMENTATIONS = ("JACOBIAN_CONTRACTION", "NTK_VECTOR_PRODUCTS",
                           "STRUCTURED_DERIVATIVES", "AUTO")
#: Implementations that need the structured-derivatives patch (:func:`apply_patches`).
PATCHED_NTK_IMPLEMENTATIONS = ("STRUCTURED_DERIVATIVES", "AUTO")
#: NTK implementations of neural-tangents that run through this shim (set by
#: :func:`apply_patches`: all four when the patches apply, else the two that need none).
WORKING_NTK_IMPLEMENTATIONS: tuple[str, ...] = ("JACOBIAN_CONTRACTION", "NTK_VECTOR_PRODUCTS")
#: NTK implementations that fail on this JAX (empty once the patches apply).
BROKEN_NTK_IMPLEMENTATIONS: tuple[str, ...] = PATCHED_NTK_IMPLEMENTATIONS
#: Names of the runtime patches in force (see the module docstring); empty outside the pin.
APPLIED_PATCHES: tuple[str, ...] = ()
#: The upstream objects the patches replaced, by ``"module.name"``, for tests and debugging.
ORIGINALS: dict = {}


class UntestedVersionWarning(UserWarning):
    """JAX is outside :data:`TESTED_JAX`: the runtime patches were not applied."""


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


def _version_tuple(v: str) -> tuple[int, ...]:
    """(major, minor, patch) of a version string; "0.10.2rc1" → (0, 10, 2)."""
    import re

    return tuple(int(n) for n in re.findall(r"\d+", v)[:3])


def untested_reason() -> str | None:
    """One line naming what is outside the tested pin, or None inside it."""
    from importlib.metadata import version

    import jax

    found = version("neural-tangents")
    if found != REQUIRED_VERSION:
        return (f"neural-tangents {found} is untested (nntheory.compat is written for "
                f"{REQUIRED_VERSION})")
    lo, hi = TESTED_JAX
    if not _version_tuple(lo) <= _version_tuple(jax.__version__) < _version_tuple(hi):
        return (f"nntheory.compat: JAX {jax.__version__} is untested (tested: {lo} <= jax < "
                f"{hi}); neural-tangents' STRUCTURED_DERIVATIVES/AUTO empirical NTK and "
                "predict.gradient_descent_mse under vmap are left unpatched")
    return None


class _View(types.ModuleType):
    """A module seen through: every attribute of ``base`` except the ones set on the view.
    Assigned to a *neural-tangents* module's global (``empirical.ad``, ``predict.sp``), so
    only neural-tangents sees the replacement, never JAX or SciPy themselves."""

    def __init__(self, name: str, base, **overrides):
        super().__init__(name)
        self._base = base
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(self.__dict__["_base"], name)


class _PartialValKnown:
    """Stands for the ``PartialVal`` of one output of the old ``ad.linearize``: neural-tangents
    only asks ``is_known()``, true exactly when the output's tangent is a symbolic zero."""

    __slots__ = ("_known",)

    def __init__(self, known: bool):
        self._known = bool(known)

    def is_known(self) -> bool:
        return self._known


def _linearize_v04(fn_flat, *primals_in_flat, has_aux=False):
    """JAX 0.4's ``ad.linearize(traceable, *primals, has_aux)`` on JAX >= 0.7's
    ``ad.linearize(traceable, primals_ft, has_aux, is_vjp)``: returns (flat output primals,
    one ``is_known()`` per output, the tangent jaxpr, its constants), as
    ``neural_tangents._src.empirical._get_primals_out_and_pullback`` expects."""
    from jax._src.interpreters import ad as jad
    from jax._src.tree_util import FlatTree

    if has_aux:
        raise NotImplementedError("neural-tangents calls linearize with has_aux=False only")
    out_ft, out_zeros, jaxpr, consts = jad.linearize(
        lambda *args: fn_flat.call_wrapped(*args), FlatTree.flatten(tuple(primals_in_flat)))
    return list(out_ft), [_PartialValKnown(z) for z in out_zeros], jaxpr, consts


def _wrap_init(f, params=None, *, debug_info=None):
    """``jax.extend.linear_util.wrap_init`` with the ``DebugInfo`` that JAX now asks for
    (neural-tangents passes none, which emits a DeprecationWarning on every NTK call)."""
    from jax._src import api_util
    from jax.extend import linear_util

    if debug_info is None:
        debug_info = api_util.debug_info("neural_tangents structured derivatives", f, (), {})
    return linear_util.wrap_init(f, params, debug_info=debug_info)


def _dtype(x):
    """``jnp.dtype`` of an array or a dtype-like: ``neural_tangents._src.empirical`` calls
    ``jnp.dtype(array)`` (``_get_fx_axis_and_dtype``), deprecated by JAX for concrete arrays."""
    import jax.numpy as jnp

    return jnp.dtype(getattr(x, "dtype", x))


def _eqn_vjp_fn(eqn, cts_in, *invals):
    """Cotangents of one jaxpr equation's inputs (None for the defined ones), given its output
    cotangent: ``neural_tangents._src.empirical._eqn_vjp_fn`` ported to JAX 0.10, following the
    per-equation dispatch of ``jax._src.interpreters.ad.backward_pass3`` (``fancy_transposes``
    with a gradient accumulator per undefined input; call primitives without the removed
    ``map_primitive``)."""
    from jax._src.interpreters import ad as jad

    if eqn is None:  # identity
        return (cts_in,)
    prim = eqn.primitive
    with eqn.ctx.manager, jad._name_stack_ctx(eqn.source_info):
        if prim in jad.fancy_transposes:
            args = [jad.ValAccum(x.aval) if isinstance(x, jad.UndefinedPrimal) else x
                    for x in invals]
            jad.fancy_transposes[prim](cts_in, *args, **eqn.params)
            return [a.freeze() if isinstance(a, jad.ValAccum) else None for a in args]
        rule = jad.get_primitive_transpose(prim)
        if prim.call_primitive:
            params = dict(eqn.params)
            call_jaxpr = params.pop("call_jaxpr")
            return rule(params, call_jaxpr, list(invals), [cts_in],
                        [v.aval for v in eqn.outvars])
        return rule(cts_in, *invals, **eqn.params)


def _get_flops(f, optimize: bool, *a, **kw) -> float:
    """``neural_tangents._src.empirical._get_flops`` for JAX >= 0.4.3x, whose
    ``Compiled.cost_analysis()`` returns one dict instead of a list of dicts."""
    import jax

    lowered = jax.jit(f).lower(*a, **kw)
    analysis = lowered.compile().cost_analysis() if optimize else lowered.cost_analysis()
    if isinstance(analysis, (list, tuple)):
        analysis = analysis[0]
    return analysis["flops"]


class _DeadType:
    """Stands for ``jax.core.DShapedArray`` (dynamic shapes, removed from JAX): no value is
    an instance of it, so neural-tangents' branch for it never runs."""


def _traced_under_own_trace(fn):
    """Wrap ``neural_tangents._src.predict._get_fns_in_eigenbasis`` / ``_get_cho_solve``: when
    the kernel is a tracer and the current trace is the evaluation trace (inside
    ``jax.core.eval_context()``, where ``predict.gradient_descent_mse`` calls them), run under
    the tracer's own trace, as ``eval_context`` did before stackless tracing (JAX 0.4.36)."""
    import functools

    from jax._src import core as jcore

    @functools.wraps(fn)
    def wrapped(k_train_train, *args, **kwargs):
        if (isinstance(k_train_train, jcore.Tracer)
                and isinstance(jcore.trace_ctx.trace, jcore.EvalTrace)):
            with jcore.set_current_trace(k_train_train._trace):
                return fn(k_train_train, *args, **kwargs)
        return fn(k_train_train, *args, **kwargs)

    wrapped.__wrapped_upstream__ = fn
    return wrapped


def _eigvalsh(a, b=None, *args, eigvals=None, **kwargs):
    """``scipy.linalg.eigvalsh`` accepting the removed ``eigvals=(lo, hi)`` keyword (SciPy <
    1.14), passed on as ``subset_by_index=[lo, hi]``."""
    import scipy.linalg

    if eigvals is not None:
        kwargs["subset_by_index"] = list(eigvals)
    return scipy.linalg.eigvalsh(a, b, *args, **kwargs)


def _scipy_needs_eigvals_patch() -> bool:
    import inspect

    import scipy.linalg

    return "eigvals" not in inspect.signature(scipy.linalg.eigvalsh).parameters


def apply_patches() -> tuple[str, ...]:
    """Apply the runtime patches of the module docstring once (idempotent) and return their
    names (:data:`APPLIED_PATCHES`). Outside the pin (:func:`untested_reason`) only the SciPy
    one (which does not depend on JAX) is applied, and one :class:`UntestedVersionWarning` line
    says what is untested."""
    global APPLIED_PATCHES, WORKING_NTK_IMPLEMENTATIONS, BROKEN_NTK_IMPLEMENTATIONS
    if APPLIED_PATCHES:
        return APPLIED_PATCHES
    import warnings

    import scipy
    from neural_tangents._src import empirical, predict

    applied = []
    if _scipy_needs_eigvals_patch() and isinstance(predict.sp, types.ModuleType):
        ORIGINALS["predict.sp"] = predict.sp
        linalg = _View("scipy.linalg (nntheory.compat view)", scipy.linalg, eigvalsh=_eigvalsh)
        predict.sp = _View("scipy (nntheory.compat view)", scipy, linalg=linalg)
        applied.append("predict.max_learning_rate: scipy eigvalsh(eigvals=) -> subset_by_index")
    reason = untested_reason()
    if reason is not None:
        warnings.warn(reason, UntestedVersionWarning, stacklevel=2)
    else:
        import jax
        import jax.core
        import jax.interpreters.ad
        from jax._src import source_info_util

        ORIGINALS.update({"empirical.ad": empirical.ad, "empirical.core": empirical.core,
                          "empirical.lu": empirical.lu, "empirical.jnp": empirical.jnp,
                          "empirical._eqn_vjp_fn": empirical._eqn_vjp_fn,
                          "empirical._get_flops": empirical._get_flops,
                          "predict._get_fns_in_eigenbasis": predict._get_fns_in_eigenbasis,
                          "predict._get_cho_solve": predict._get_cho_solve})
        empirical.ad = _View(
            "jax.interpreters.ad (nntheory.compat view)", jax.interpreters.ad,
            linearize=_linearize_v04, source_info_util=source_info_util,
            config=types.SimpleNamespace(jax_enable_checks=False))
        empirical.core = _View("jax.core (nntheory.compat view)", jax.core,
                               DShapedArray=_DeadType)
        empirical.lu = _View("jax.extend.linear_util (nntheory.compat view)", empirical.lu,
                             wrap_init=_wrap_init)
        empirical.jnp = _View("jax.numpy (nntheory.compat view)", empirical.jnp, dtype=_dtype)
        empirical._eqn_vjp_fn = _eqn_vjp_fn
        empirical._get_flops = _get_flops
        predict._get_fns_in_eigenbasis = _traced_under_own_trace(predict._get_fns_in_eigenbasis)
        predict._get_cho_solve = _traced_under_own_trace(predict._get_cho_solve)
        applied += ["empirical: STRUCTURED_DERIVATIVES and AUTO on the new ad.linearize",
                    "predict.gradient_descent_mse under vmap (eval_context)"]
        WORKING_NTK_IMPLEMENTATIONS = ALL_NTK_IMPLEMENTATIONS
        BROKEN_NTK_IMPLEMENTATIONS = ()
    APPLIED_PATCHES = tuple(applied)
    return APPLIED_PATCHES


def load():
    """Import neural-tangents through the shim and return ``(nt, stax)``.

    Raises:
      NeuralTangentsUnavailable: with a one-line message, if it is missing or another version.
    """
    if "neural_tangents" in sys.modules and hasattr(sys.modules["neural_tangents"], "stax"):
        nt = sys.modules["neural_tangents"]
        apply_patches()
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
    apply_patches()
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

__all__ = ["nt", "stax", "load", "apply_patches", "permissive", "untested_reason",
           "ALL_NTK_IMPLEMENTATIONS", "WORKING_NTK_IMPLEMENTATIONS", "BROKEN_NTK_IMPLEMENTATIONS",
           "PATCHED_NTK_IMPLEMENTATIONS", "APPLIED_PATCHES", "TESTED_JAX", "REQUIRED_VERSION",
           "NeuralTangentsUnavailable", "UntestedVersionWarning"]
