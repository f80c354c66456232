"""Timing harness: medians over repeats after warm-up, the spread, and the machine.

These machines are noisy; the figure of merit is a ratio measured in one run, absolute times
are context.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import re
import statistics
import time
from collections.abc import Callable


@dataclasses.dataclass
class Timing:
    median_s: float
    min_s: float
    max_s: float
    repeats: int

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def measure(fn: Callable[[], object], *, repeats: int = 5, warmup: int = 1) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then ``repeats`` times; ``fn`` must block until
    its work is done (``jax.block_until_ready`` inside)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Timing(statistics.median(times), min(times), max(times), repeats)


def machine() -> dict:
    """CPU model, cores, JAX device; where a benchmark ran."""
    import jax

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    d = jax.devices()[0]
    return dict(cpu=cpu, cores=os.cpu_count(), jax_platform=d.platform,
                jax_device=d.device_kind, jax_devices=jax.device_count(),
                jax_version=jax.__version__, python=platform.python_version())


@dataclasses.dataclass
class Record:
    """One benchmark's outcome."""

    name: str
    description: str
    target: str
    ratio: float | None
    target_met: bool | None
    timings: dict[str, dict]
    details: dict = dataclasses.field(default_factory=dict)
    note: str = ""  # how it was measured
    finding: str = ""  # what was measured, in a sentence or two with the numbers


def summary(doc: str) -> str:
    """A benchmark's one-line description: the first sentence of its module docstring, without
    the "Benchmark N:" prefix and the backticks."""
    first = " ".join(doc.strip().split("\n\n")[0].split())
    first = re.sub(r"^Benchmark( \d+)?: ", "", first).replace("`", "")
    m = re.search(r"\.(\s|$)", first)
    first = first[: m.start() + 1] if m else first
    return first[:1].upper() + first[1:]
