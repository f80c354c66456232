"""The ``nntheory`` command: ``list``, ``run``, ``claims``, ``report``, ``new``.

Bad input (unknown study, profile or field, a value of the wrong type, malformed TOML or
seeds, a missing file, corrupt stored results) prints one line on stderr naming the problem and
exits with status 2, writing nothing. An exception in a study's own code (a sweep point, its
metrics, its figures) prints one line naming the study, sweep and point and exits with status
3. ``claims`` exits 1 when a published claim does not hold. Set ``NNTHEORY_DEBUG=1`` to see the
traceback instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from nntheory import devices, interrupt

EXIT_CLAIM_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_STUDY_FAILED = 3
EXIT_INTERRUPTED = 130

EPILOG = """examples:
  nntheory list
  nntheory run universal_approximation                 # the quick profile's replicates
  nntheory run grokking --profile full --seeds 0-9
  nntheory run ntk --seeds 9001-9005 --set steps=2000
  nntheory claims grokking --json
  nntheory report                                      # every study with stored results
  nntheory new my_study                                # a skeleton study and its test
"""


class UsageError(ValueError):
    """Bad command-line usage."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not usage + message
        raise UsageError(message)


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="quick",
                   help="config profile: test, quick (default) or full")
    p.add_argument("--seed", default=None,
                   help="one master seed (a non-negative integer): a single replicate")
    p.add_argument("--seeds", default=None, metavar="SEEDS",
                   help="replicates' master seeds: a range a-b or a list 1,3,5 (default: the "
                   "profile's replicates, seeds 0 … R−1)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a config field (TOML value); repeatable")
    p.add_argument("--config", metavar="FILE.toml", help="override config fields from a TOML file")


def _studies_text() -> str:
    try:
        from nntheory.study import study_names

        names = study_names()
    except Exception:  # --help must answer even when a study folder is broken
        names = []
    return ("studies: " + ", ".join(names) + "\nprofiles: test (seconds, 2 replicates), quick "
            "(about 2 minutes, 5 replicates), full (paper scale, 10 replicates, for a GPU)\n\n")


def build_parser() -> argparse.ArgumentParser:
    epilog = _studies_text() + EPILOG
    p = _Parser(prog="nntheory", description="Reproducible, falsifiable studies of "
                "neural-network theory.", epilog=epilog,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results-dir", default=os.environ.get("NNTHEORY_RESULTS", "results"))
    p.add_argument("--reports-dir", default=os.environ.get("NNTHEORY_REPORTS", "reports"))
    p.add_argument("--distributed", action="store_true",
                   help="call jax.distributed.initialize() first (multi-host: Slurm, TPU pods)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the studies")
    r = sub.add_parser("run", help="run a study's replicates (reusing those stored by the "
                       "current code)", epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("study")
    _add_config_args(r)
    r.add_argument("--force", action="store_true", help="recompute even if results exist")
    c = sub.add_parser("claims", help="judge claims over stored replicates (exit 1 unless every "
                       "published claim holds)")
    c.add_argument("study", nargs="?")
    _add_config_args(c)
    c.add_argument("--json", action="store_true", help="print one JSON object")
    rep = sub.add_parser("report", help="build the HTML/PDF report of one study, or of all")
    rep.add_argument("study", nargs="?")
    _add_config_args(rep)
    n = sub.add_parser("new", help="write a skeleton study (and its test) that runs out of the "
                       "box")
    n.add_argument("name")
    n.add_argument("--dir", default="studies", help="where the study goes (default: studies)")
    n.add_argument("--tests-dir", default="tests", help="where its test goes (default: tests)")
    return p


def _seeds(study, cfg, args) -> tuple[int, ...]:
    from nntheory.runner import check_seeds, default_seeds, parse_seeds

    if args.seed is not None and args.seeds is not None:
        raise UsageError("give --seed or --seeds, not both")
    if args.seeds is not None:
        return parse_seeds(args.seeds)
    if args.seed is not None:
        try:
            seed = int(args.seed)
        except ValueError:
            raise ValueError(f"--seed must be a non-negative integer, got {args.seed!r}") from None
        if seed < 0:
            raise ValueError(f"--seed must be a non-negative integer, got {args.seed!r}")
        return check_seeds([seed])
    return default_seeds(cfg)


def _config(study, args):
    from nntheory.config import load_config_file, parse_set

    overrides = {}
    if args.config:
        overrides.update(load_config_file(args.config))
    for item in args.sets:
        name, value = parse_set(item)
        overrides[name] = value
    return study.config(args.profile, overrides)


def _cmd_list(args) -> int:
    from nntheory.study import study_names, summary

    for name in study_names():
        try:
            s = summary(name)
        except Exception as e:  # an external study may fail in any way
            print(f"{name:28s} does not load: {type(e).__name__}: {e}")
            continue
        print(f"{name:28s} {s['claims']:2d} claims {s['checks']:2d} checks  {s['title']}")
    return 0


def _cmd_run(args) -> int:
    from nntheory.runner import run
    from nntheory.study import get_study

    study = get_study(args.study)
    cfg = _config(study, args)
    seeds = _seeds(study, cfg, args)
    t0 = time.perf_counter()
    out = run(study, cfg, seeds, root=args.results_dir, profile=args.profile, force=args.force)
    h = next(iter(out.metas.values()))["config_hash"]
    parts = []
    if out.computed:
        parts.append(f"computed {_list(out.computed)} in {time.perf_counter() - t0:.1f} s")
    if out.stale:
        parts.append(f"(of which {_list(out.stale)} had been stored by other code)")
    if out.reused:
        parts.append(f"reused {_list(out.reused)}")
    where = (out.paths[seeds[0]].parent if out.paths[seeds[0]] is not None
             else "(published by process 0)")
    print(f"{study.name}: {len(seeds)} replicate{'s' if len(seeds) > 1 else ''} "
          f"({args.profile}, config {h}): {'; '.join(parts)} -> {where}")
    return 0


def _list(seeds) -> str:
    return ("seed " if len(seeds) == 1 else "seeds ") + ",".join(map(str, seeds))


def _evidence(study, args):
    from nntheory.runner import load

    cfg = _config(study, args)
    seeds = _seeds(study, cfg, args)
    return cfg, load(study, cfg, seeds, root=args.results_dir, profile=args.profile)


def _overrides(study, args, cfg) -> dict:
    """The fields where ``cfg`` differs from its profile (from --set and --config)."""
    from nntheory.config import config_identity

    base = config_identity(study.PROFILES[args.profile])
    return {k: v for k, v in config_identity(cfg).items() if base.get(k) != v}


def _each_study(args, judge_one, missing_is_error: bool) -> tuple[list, int]:
    """``judge_one(study)`` for the named study (its errors propagate: one line, exit 2 or 3),
    or for every study, where one without results, or broken, is named on stderr and
    skipped; returns the outputs and the exit status the skips call for (a study without
    results calls for exit 2 only if ``missing_is_error``)."""
    from nntheory.runner import StudyError
    from nntheory.store import MissingResult, StoreError
    from nntheory.study import get_study, study_names

    if args.study:
        return [judge_one(get_study(args.study))], 0
    outputs, status = [], 0
    for name in study_names():
        try:
            outputs.append(judge_one(get_study(name)))
        except MissingResult as e:
            print(f"{name}: skipped: {e}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT if missing_is_error else 0)
        except (StoreError, StudyError, ImportError, TypeError, ValueError) as e:
            print(f"{name}: skipped: {' '.join(str(e).split())}", file=sys.stderr)
            status = max(status, EXIT_STUDY_FAILED if isinstance(e, StudyError)
                         else EXIT_BAD_INPUT)
    return outputs, status


def _cmd_claims(args) -> int:
    from nntheory.claims import VERDICT_RULE, headline, judge
    from nntheory.config import config_hash
    from nntheory.report.ledger import ledger_json
    from nntheory.runner import stale_seeds

    def claims_of(study):
        cfg, ev = _evidence(study, args)
        judgements = judge(study.judged_at(args.profile), ev.seeds,
                           ev.metrics.to_dict("records"))
        stale = stale_seeds(study, ev)
        not_judged = [c.id for c in study.CLAIMS if not c.judged_at(args.profile)]
        payload = ledger_json(study.name, args.profile, ev.seeds, judgements, stale, not_judged)
        payload.update(config_hash=config_hash(study.name, cfg),
                       overrides=_overrides(study, args, cfg))
        if not args.json:
            print(f"{study.name} ({args.profile}, seeds {','.join(map(str, ev.seeds))}): "
                  f"{headline(judgements)}")
            for kind in ("claim", "check"):
                for j in (j for j in judgements if j.claim.kind == kind):
                    print(f"  {j.verdict.upper():7s} {kind:5s} {j.claim.id}: {j.passes}/"
                          f"{j.replicates} pass; median {_g(j.median)} [{_g(j.low)}, "
                          f"{_g(j.high)}], expected {j.claim.expected_text}, margin "
                          f"{_g(j.margin)}")
            if stale:
                print(f"  note: seeds {','.join(map(str, stale))} were computed by other code; "
                      f"`nntheory run {study.name}` recomputes them")
        return payload, sum(j.verdict != "holds" for j in judgements if j.claim.kind == "claim")

    outputs, status = _each_study(args, claims_of, missing_is_error=True)
    failing = sum(n for _, n in outputs)
    if args.json:
        payloads = [p for p, _ in outputs]
        print(json.dumps(payloads[0] if args.study else dict(studies=payloads), indent=1,
                         allow_nan=False))
    else:
        print(f"verdict rule: {VERDICT_RULE}")
    return status or (EXIT_CLAIM_FAILED if failing else 0)


def _g(x) -> str:
    return "nan" if x != x else f"{x:.3g}"


def _cmd_report(args) -> int:
    from nntheory.report.render import render_index, render_study
    from nntheory.study import study_names

    def report_of(study):
        cfg, ev = _evidence(study, args)
        paths = render_study(study, cfg, ev, args.profile, args.reports_dir,
                             overrides=_overrides(study, args, cfg))
        print(f"{study.name}: {paths['html']} {paths['pdf']}")

    _, status = _each_study(args, report_of, missing_is_error=False)
    all_names = study_names()
    index = render_index(all_names, {n: _title(n) for n in all_names}, args.reports_dir)
    print(f"index: {index}")
    return status


def _title(name: str) -> str:
    """A study's title, or why it does not load (one broken study never hides the others)."""
    from nntheory.study import get_study

    try:
        return get_study(name).TITLE
    except Exception as e:  # an external study may fail in any way
        return f"{name} (does not load: {type(e).__name__}: {e})"


def _cmd_new(args) -> int:
    from nntheory.scaffold import new_study

    study, test = new_study(args.name, args.dir, args.tests_dir)
    print(f"wrote {study} and {test}; try: nntheory run {args.name} --profile test")
    return 0


COMMANDS = dict(list=_cmd_list, run=_cmd_run, report=_cmd_report, claims=_cmd_claims,
                new=_cmd_new)


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
        print("nntheory: interrupted; replicates not yet published resume from their last "
              "completed sweep point", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RuntimeError as e:
        from nntheory.runner import StudyError

        if debug or not isinstance(e, StudyError):
            raise
        print(f"nntheory: study failed: {' '.join(str(e).split())} (NNTHEORY_DEBUG=1 shows "
              "the traceback)", file=sys.stderr)
        return EXIT_STUDY_FAILED
    except (ValueError, TypeError, ImportError, OSError) as e:
        if debug:
            raise
        msg = " ".join(str(e).split()) or type(e).__name__
        print(f"nntheory: error: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
