"""The ``nntheory`` command: ``list``, ``run``, ``report``, ``claims``.

Bad input (unknown study, profile or field, a value of the wrong type, malformed TOML, a
missing file, corrupt stored results) prints one line on stderr naming the problem and exits
with status 2, writing nothing. ``claims`` exits 1 when a claim fails. Set ``NNTHEORY_DEBUG=1``
to see the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from nntheory import devices, interrupt

EXIT_CLAIM_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class UsageError(ValueError):
    """Bad command-line usage."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not usage + message
        raise UsageError(message)


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="quick", help="config profile (default: quick)")
    p.add_argument("--seed", default="0", help="PRNG seed, a non-negative integer (default: 0)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a config field (TOML value); repeatable")
    p.add_argument("--config", metavar="FILE.toml", help="override config fields from a TOML file")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nntheory", description="Reproducible studies of neural-network theory.")
    p.add_argument("--results-dir", default=os.environ.get("NNTHEORY_RESULTS", "results"))
    p.add_argument("--reports-dir", default=os.environ.get("NNTHEORY_REPORTS", "reports"))
    p.add_argument("--distributed", action="store_true",
                   help="call jax.distributed.initialize() first (multi-host: Slurm, TPU pods)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the studies")
    r = sub.add_parser("run", help="run a study (reusing stored results for the same config)")
    r.add_argument("study")
    _add_config_args(r)
    r.add_argument("--force", action="store_true", help="rerun even if results exist")
    rep = sub.add_parser("report", help="build the HTML/PDF report of one study, or of all")
    rep.add_argument("study", nargs="?")
    _add_config_args(rep)
    c = sub.add_parser("claims", help="check claims against stored results (exit 1 on a fail)")
    c.add_argument("study", nargs="?")
    _add_config_args(c)
    return p


def _seed(raw: str) -> int:
    try:
        seed = int(raw)
    except ValueError:
        raise ValueError(f"--seed must be a non-negative integer, got {raw!r}") from None
    if seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {raw!r}")
    return seed


def _config(study, args):
    from nntheory.study import load_config_file, parse_set

    overrides = {}
    if args.config:
        overrides.update(load_config_file(args.config))
    for item in args.sets:
        name, value = parse_set(item)
        overrides[name] = value
    return study.config(args.profile, overrides)


def _studies(name: str | None):
    from nntheory.study import get_study, study_names

    return [get_study(n) for n in ([name] if name else study_names())]


def _cmd_list(args) -> int:
    from nntheory.study import get_study, study_names

    for name in study_names():
        s = get_study(name)
        print(f"{name:28s} {len(s.CLAIMS):2d} claims  {s.TITLE}")
    return 0


def _cmd_run(args) -> int:
    from nntheory.store import run_and_store
    from nntheory.study import get_study

    study = get_study(args.study)
    cfg = _config(study, args)
    seed = _seed(args.seed)
    t0 = time.perf_counter()
    out = run_and_store(study, cfg, seed, root=args.results_dir, profile=args.profile,
                        force=args.force)
    verb = "reused" if out.reused else f"ran in {time.perf_counter() - t0:.1f} s"
    where = out.path if out.path is not None else "(published by process 0)"
    print(f"{study.name}: {verb} ({args.profile}, config {out.meta['config_hash']}, "
          f"seed {seed}) -> {where}")
    return 0


def _load(study, args):
    from nntheory.store import StoreError, load

    cfg = _config(study, args)
    seed = _seed(args.seed)
    try:
        results, meta = load(args.results_dir, study.name, cfg, seed)
    except StoreError as e:
        if "no results" in str(e):
            raise StoreError(
                f"{e}: run `nntheory run {study.name} --profile {args.profile}` first"
            ) from None
        raise
    return cfg, results, meta


def _cmd_report(args) -> int:
    from nntheory.report.render import render_index, render_study
    from nntheory.store import StoreError
    from nntheory.study import check_claims, get_study, study_names

    names = [args.study] if args.study else study_names()
    for name in names:
        study = get_study(name)
        try:
            cfg, results, meta = _load(study, args)
        except StoreError:
            if args.study:
                raise
            print(f"{name}: no results for profile {args.profile}, skipped", file=sys.stderr)
            continue
        paths = render_study(study, cfg, results, meta, check_claims(study.CLAIMS, results.metrics),
                             args.reports_dir)
        print(f"{name}: {paths['html']} {paths['pdf']}")
    all_names = study_names()
    index = render_index(all_names, {n: get_study(n).TITLE for n in all_names}, args.reports_dir)
    print(f"index: {index}")
    return 0


def _cmd_claims(args) -> int:
    from nntheory.study import check_claims

    failed = 0
    for study in _studies(args.study):
        _, results, _ = _load(study, args)
        for v in check_claims(study.CLAIMS, results.metrics):
            mark = "PASS" if v.passed else "FAIL"
            failed += not v.passed
            print(f"{mark}  {study.name}.{v.claim.id}: measured {v.measured:.6g}, "
                  f"expected {v.claim.expected_text}{'  (' + v.detail + ')' if v.detail else ''}")
    return EXIT_CLAIM_FAILED if failed else 0


COMMANDS = dict(list=_cmd_list, run=_cmd_run, report=_cmd_report, claims=_cmd_claims)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (the console script exits with it)."""
    debug = os.environ.get("NNTHEORY_DEBUG") == "1"
    try:
        args = build_parser().parse_args(argv)
        try:  # NNTHEORY_CPU_DEVICES: one JAX device per core (see nntheory.devices)
            devices.split_cpu()
        except RuntimeError as e:  # called in-process after JAX started: run as it is
            print(f"nntheory: warning: {e}", file=sys.stderr)
        if args.distributed:
            import jax

            jax.distributed.initialize()
            if args.command in ("report", "claims") and jax.process_index() != 0:
                return 0  # one process publishes reports
        with interrupt.interruptible():
            status = COMMANDS[args.command](args)
            if interrupt.interrupted():  # swallowed on its way and noticed only at the end
                print("nntheory: interrupted as the command finished; its output was written",
                      file=sys.stderr)
                return EXIT_INTERRUPTED
        return status
    except KeyboardInterrupt:
        print("nntheory: interrupted; nothing was published (a rerun resumes from the last "
              "completed sweep point)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, TypeError, ImportError, OSError) as e:
        if debug:
            raise
        msg = " ".join(str(e).split()) or type(e).__name__
        print(f"nntheory: error: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
