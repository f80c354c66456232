"""One JAX device per CPU core, so ensembles use every core.

XLA's CPU backend runs a vmapped ensemble of small nets as one program whose small batched
matmuls and elementwise ops barely use a second core (measured on 2 cores: K = 64 MLPs
1→64→64→1, 500 Adam steps: 5.2 s on one core, 4.2 s on two). :func:`fit_ensemble
<nntheory.train.fit_ensemble>` already shards its member axis over all local devices, so
splitting the CPU into one host device per core (``--xla_force_host_platform_device_count``)
runs the shards side by side: 2.4 s for the same ensemble, the same numbers to float32
rounding. Single-net code is unaffected (it runs on device 0 and keeps XLA's thread pool).

It is opt-in, because a different device count changes float32 rounding (results stay
bit-identical for a given machine and device count): set ``NNTHEORY_CPU_DEVICES`` to a count or
``auto`` (one per core this process may use) before the first JAX computation, e.g.
``NNTHEORY_CPU_DEVICES=auto nntheory run grokking``; scripts call :func:`split_cpu` first.
It has no effect on GPU or TPU backends.
"""

from __future__ import annotations

import os

FLAG = "--xla_force_host_platform_device_count"
ENV = "NNTHEORY_CPU_DEVICES"


def cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def parse_count(value: str | int) -> int:
    """``auto`` → :func:`cores`; otherwise a positive integer. ValueError names the value."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return cores()
    try:
        n = int(str(value).strip())
    except ValueError:
        n = 0
    if isinstance(value, bool) or n < 1:
        raise ValueError(f"{ENV} must be a positive integer or 'auto', got {value!r}")
    return n


def split_cpu(count: str | int | None = None) -> int | None:
    """Ask XLA for ``count`` CPU devices (default: ``$NNTHEORY_CPU_DEVICES``; unset → do nothing).

    Must run before JAX initialises its backends (the first computation or ``jax.devices()``):
    afterwards XLA has read its flags, and this raises RuntimeError rather than silently not
    applying. An ``XLA_FLAGS`` that already sets the device count wins. Returns the count
    requested, or None when nothing was asked.
    """
    if count is None:
        raw = os.environ.get(ENV, "").strip()
        if not raw:
            return None
        count = raw
    n = parse_count(count)
    from jax._src import xla_bridge

    if xla_bridge.backends_are_initialized():
        raise RuntimeError(f"{ENV}: JAX is already initialised; split the CPU before the first "
                           "JAX computation")
    flags = os.environ.get("XLA_FLAGS", "")
    if FLAG not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {FLAG}={n}".strip()
    return n
