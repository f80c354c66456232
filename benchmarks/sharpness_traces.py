"""Benchmark 9: sharpness traces of 8 learning rates trained as one vmapped program, against
the same 8 runs one after another — the edge-of-stability sweep of ``studies/edge_of_stability``.

Net: ``nets.mlp(48, depth=2, out_dim=10, "tanh", parameterization="standard")`` on 256 digits
(sklearn, standardised; one-hot targets minus 1/10), full-batch gradient descent on MSE for
``STEPS`` steps, the top Hessian eigenvalue (Lanczos, 15 steps) logged every 50 steps through
the training program's metrics hook (:func:`nntheory.analysis.eos.sharpness_metrics`).

* One program: :func:`nntheory.train.fit_ensemble` with the 8 rates as data (one member each).
* Separate runs: :func:`nntheory.train.fit` 8 times, once per rate (the rate is data there
  too, so the 8 runs share one compilation; each is timed after that compilation).

Both are timed after a compiling call (median of 3), and their traces must agree (the same
members, the same numbers up to float32 reassociation). ``--quick``: 300 steps.

    .venv/bin/python -m benchmarks.sharpness_traces [--quick]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from benchmarks.harness import Record, measure, summary

ETAS = (0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5)
STEPS, LOG_EVERY, ITERS = 1500, 50, 15
TARGET = 2.0


def run(quick: bool = False) -> Record:
    import jax
    import jax.numpy as jnp

    from nntheory import nets, train
    from nntheory.analysis import eos, ntk

    steps = 300 if quick else STEPS
    d = ntk.digits_split(jax.random.PRNGKey(0), 256, 0)
    data = (d["x_train"], d["y_train"])
    net = nets.mlp(48, 2, 10, "tanh", parameterization="standard", w_std=1.0, b_std=0.0)
    p0 = net.init_params(jax.random.PRNGKey(1), (64,))
    hook = eos.sharpness_metrics(net, "mse", jax.random.PRNGKey(2), iters=ITERS)
    k = len(ETAS)
    stacked = jax.tree_util.tree_map(lambda a: jnp.stack([a] * k), p0)
    kw = dict(optimizer="sgd", steps=steps, log_every=LOG_EVERY, loss="mse", extra_metrics=hook,
              progress=False)

    def together():
        _, h = train.fit_ensemble(net, stacked, data, learning_rate=np.array(ETAS, np.float32),
                                  **kw)
        return h.metrics["sharpness"]

    def apart():
        return np.stack([train.fit(net, p0, data, learning_rate=e, **kw)[1].metrics["sharpness"]
                         for e in ETAS])

    a, b = together(), apart()  # compiles both
    t = dict(one_program=measure(together, repeats=3, warmup=0).as_dict(),
             separate_runs=measure(apart, repeats=3, warmup=0).as_dict())
    ratio = t["separate_runs"]["median_s"] / t["one_program"]["median_s"]
    diff = float(np.nanmax(np.abs(a - b) / np.abs(b)))
    return Record(
        name="sharpness_traces", description=summary(__doc__),
        target=f"the 8 traces as one program ≥ {TARGET:g}× faster than 8 separate runs",
        ratio=ratio / TARGET, target_met=bool(ratio >= TARGET),
        timings=t, details=dict(etas=list(ETAS), steps=steps, log_every=LOG_EVERY,
                                lanczos_iters=ITERS, speedup=ratio,
                                max_relative_difference=diff, devices=jax.device_count()),
        note="ratio = speed-up / 2. Medians of 3 after one compiling call each.",
        finding=f"{len(ETAS)} sharpness traces ({steps} steps, logged every {LOG_EVERY}): one "
        f"vmapped program {t['one_program']['median_s']:.3g} s, {len(ETAS)} separate runs "
        f"{t['separate_runs']['median_s']:.3g} s: {ratio:.1f}× faster as one program; traces "
        f"agree to {diff:.1e} (relative).")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="300 steps")
    rec = run(p.parse_args(argv).quick)
    print(json.dumps(rec.__dict__, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
