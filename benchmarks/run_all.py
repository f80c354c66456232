"""Run the benchmarks and write reports/benchmarks/{results.json, index.html, report.pdf}.

    python -m benchmarks.run_all [--quick] [--only NAME ...] [--out reports/benchmarks]

Every benchmark module here with a ``run(quick) -> Record`` is run in one process, one after
another, so ratios compare peers measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys
import time
from pathlib import Path

from benchmarks.harness import machine

BENCHMARKS = ("ensemble_vs_loop", "utilisation", "chinchilla_fit", "ntk_empirical",
              "linear_regions", "replicates", "pipeline", "sharpness", "sharpness_traces")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test)")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--out", default="reports/benchmarks")
    args = ap.parse_args(argv)
    names = args.only or [n for n in BENCHMARKS
                          if importlib.util.find_spec(f"benchmarks.{n}") is not None]
    records = []
    for name in names:
        t0 = time.perf_counter()
        mod = importlib.import_module(f"benchmarks.{name}")
        if not hasattr(mod, "run"):
            continue
        rec = mod.run(quick=args.quick)
        records.append(dataclasses.asdict(rec))
        ratio = "n/a" if rec.ratio is None else f"{rec.ratio:.2f}"
        verdict = {True: "met", False: "NOT met", None: "n/a"}[rec.target_met]
        took = time.perf_counter() - t0
        print(f"{name:20s} ratio {ratio:>8s}  target {verdict:8s} ({took:.0f} s)", flush=True)
    out = Path(args.out)
    payload = dict(machine=machine(), quick=args.quick, records=records,
                   created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    from nntheory.report.render import atomic_write, render_benchmarks

    atomic_write(out / "results.json", json.dumps(payload, indent=1, default=str))
    render_benchmarks(payload, out)
    print(f"report: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
