"""Benchmark 5: exact linear-region counts along lines, batched, against dense sampling at the
resolution each line needs for the same answer.

Nets: He-initialised ReLU MLPs of depth 8 and width 32 (σ_w² = 2, σ_b = 0.1, as in the
depth-vs-width study) with 10 inputs, one random segment per net (ends from N(0, I_10)).
Exact: `count_regions_batch`, all nets in one jitted float64 program (Hanin & Rolnick 2019,
arXiv:1901.09021, Sec. 3: breakpoints along a line, layer by layer). Dense sampling:
`count_regions_sampled` (jitted, float64), counting either the pattern changes between
consecutive points (``changes``: what a sampler sees) or the neurons that flip (``flips``),
at n = 2^j + 1 points, j = 10, 11, …, the smallest n whose count
equals the exact one — an oracle choice of resolution that sampling alone could not make, so
its timing is a lower bound on the cost of sampling. Target: exact ≥ 100× faster per count.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Record, measure, summary

DEPTH, WIDTH, DIM, B_STD = 8, 32, 10, 0.1
N_NETS, N_SAMPLED = 64, 8  # nets counted exactly (batched); of those, counted by sampling
MAX_LOG2 = 22  # give up sampling a line beyond 2^22 + 1 points (4.2 M)
METHODS = ("changes", "flips")


def run(quick: bool = False) -> Record:
    import jax

    from nntheory import nets
    from nntheory.analysis import expressivity as ex

    n_nets, n_sampled = (16, 4) if quick else (N_NETS, N_SAMPLED)
    net = nets.mlp(WIDTH, DEPTH, 1, "relu", parameterization="standard", w_std=2.0**0.5,
                   b_std=B_STD)
    params = ex.sample_mlp_params(net, jax.random.PRNGKey(0), n_nets, DIM)
    ends = np.random.default_rng(1).standard_normal((2, n_nets, 1, DIM))
    cap = 2 * WIDTH * DEPTH  # breakpoints a line may hold; overflowing lines are flagged

    counts = {}

    def exact():
        counts["batch"] = ex.count_regions_batch(net, params, ends[0], ends[1], capacity=cap)

    t_exact = measure(exact, repeats=3)  # the warm-up call compiles
    res = counts["batch"]
    if res.overflow.any():
        raise RuntimeError("a line overflowed the capacity; raise it")
    n_exact = res.n_regions[:, 0]

    def sampled(li, a, e, n, method):  # chunks no longer than the line: no padding evaluated
        return ex.count_regions_sampled("relu", li, a, e, n, chunk=min(65536, n - 1),
                                        method=method)

    layers = [ex.affine_layers(net, jax.tree_util.tree_map(lambda a, i=i: a[i], params))
              for i in range(n_sampled)]
    per_exact = t_exact.median_s / n_nets
    timings = dict(exact_batch=t_exact.as_dict())
    details = dict(
        nets=n_nets, depth=DEPTH, width=WIDTH, input_dim=DIM, capacity=cap,
        exact_counts_per_second=n_nets / t_exact.median_s, exact_seconds_per_count=per_exact,
        regions_exact=n_exact[:n_sampled].tolist(), regions_mean_all_nets=float(n_exact.mean()),
    )
    speedup = {}
    for method in METHODS:
        needed, secs = [], []
        for i in range(n_sampled):
            a, e = ends[0, i, 0], ends[1, i, 0]
            found = None
            for j in range(10, MAX_LOG2 + 1):
                if sampled(layers[i], a, e, 2**j + 1, method) == n_exact[i]:
                    found = 2**j + 1  # (this call also compiled the sampler for it)
                    break
            needed.append(found)
            if found is None:
                secs.append(float("nan"))
                continue
            t = measure(lambda a=a, e=e, li=layers[i], n=found, m=method: sampled(li, a, e, n, m),
                        repeats=3, warmup=0)
            secs.append(t.median_s)
        # what a sampler without the exact answer does: double n until two successive
        # counts agree (timed after a warm-up pass that compiles each n), and is it right?
        adaptive, right = [], []
        for i in range(n_sampled):
            a, e = ends[0, i, 0], ends[1, i, 0]

            def refine(li=layers[i], a=a, e=e, m=method):
                prev = None
                for j in range(10, MAX_LOG2 + 1):
                    c = sampled(li, a, e, 2**j + 1, m)
                    if c == prev:
                        return c
                    prev = c
                return prev

            refine()
            t = measure(refine, repeats=1, warmup=0)
            adaptive.append(t.median_s)
            right.append(bool(refine() == n_exact[i]))
        details[f"{method}_adaptive_seconds_per_count"] = adaptive
        details[f"{method}_adaptive_correct"] = right
        details[f"speedup_vs_adaptive_sampling_{method}"] = float(np.median(adaptive)) / per_exact
        ok = [x for x in secs if np.isfinite(x)]
        med = float(np.median(ok)) if ok else float("nan")
        timings[f"sampled_{method}_per_line"] = dict(
            median_s=med, min_s=min(ok, default=med), max_s=max(ok, default=med), repeats=3)
        details[f"{method}_samples_needed"] = needed
        details[f"{method}_seconds_per_count"] = secs
        speedup[method] = med / per_exact if len(ok) == len(secs) else float("nan")
        details[f"speedup_vs_sampling_{method}"] = speedup[method]
    ratio = speedup["changes"]
    return Record(
        name="linear_regions",
        description=summary(__doc__),
        target="exact counting ≥ 100× faster per count than dense sampling (counting the "
        "pattern changes it sees) at the resolution that gives the same answer",
        ratio=ratio / 100, target_met=bool(ratio >= 100),
        timings=timings, details=details,
        note="ratio = speed-up over the 'changes' sampler / 100 (≥ 1 meets the target). Exact: "
        f"median of 3 batched calls over {n_nets} nets after a compiling call, per net. "
        f"Sampling: {n_sampled} of those lines, each at the smallest 2^j + 1 points (j ≥ 10) "
        "that reproduce the exact count, median of 3 timed calls after the compiling one. The "
        "'flips' sampler (Hamming distance between consecutive patterns: it relies on each "
        "breakpoint flipping exactly one neuron) needs far fewer points; its speed-up is in "
        "details.speedup_vs_sampling_flips and is reported, not hidden, when it is near 1. "
        "'adaptive': sampling as done without the exact answer, doubling n until two successive "
        "counts agree (all calls timed; *_adaptive_correct says whether it stopped right).",
        finding=f"Exact: {1e3 * per_exact:.2f} ms per count ({n_nets / t_exact.median_s:.0f} "
        f"per second). The 'changes' sampler needed {_span(details['changes_samples_needed'])} "
        f"points per line and was {speedup['changes']:.1f}× slower at the oracle resolution, "
        f"{details['speedup_vs_adaptive_sampling_changes']:.1f}× slower refining adaptively "
        f"(right on {sum(details['changes_adaptive_correct'])} of {n_sampled} lines); the "
        f"'flips' sampler needed {_span(details['flips_samples_needed'])} "
        f"({speedup['flips']:.1f}×). " + _why(ratio, details, n_sampled, n_exact),
    )


def _why(ratio, details, n_sampled, n_exact) -> str:
    """The closing sentence, from the numbers."""
    if ratio >= 100:
        return "The exact counter meets the 100× target."
    wrong = n_sampled - sum(details["changes_adaptive_correct"])
    text = (f"With ~{n_exact.mean():.0f} regions per line at depth {DEPTH}, width {WIDTH}, "
            f"sampling stays cheap, so the target is missed ({ratio:.1f}× of 100×)")
    if wrong:
        return text + (f"; the exact counter's advantage here is its guarantee: adaptive "
                       f"sampling stopped with a wrong count on {wrong} of {n_sampled} lines.")
    return text + "."


def _span(ns) -> str:
    ok = [n for n in ns if n is not None]
    if not ok:
        return "more than 2^22 + 1"
    lo, hi = min(ok), max(ok)
    text = f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"
    return text + (f" (none found for {len(ns) - len(ok)})" if len(ok) < len(ns) else "")


if __name__ == "__main__":
    import json

    print(json.dumps(run().__dict__, indent=1, default=str))
