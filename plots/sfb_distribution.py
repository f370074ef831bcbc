#!/usr/bin/python3
"""Draws the distribution of one benchmark of a sendfile-bench result.

    /usr/bin/python3 plots/sfb_distribution.py RESULT.json BENCHMARK [--output FILE.png]
                                               [--metric real_time|mb_per_s]

RESULT.json is a file bench_sendfile wrote or `sfb run` stored (read by sfb, see
sfb_plots.py --help for how it is found: --sfb PATH), or a tidy export (.jsonl, .csv); BENCHMARK is a benchmark's
name or any part of it that matches exactly one benchmark (e.g.
"sendfile/tcp4/discard/warm/file:67108864/block:65536/conns:1/placement:split").

One column per repetition (round): a box for that round's passes (the suite's per-pass
counters: pass_q25_us to pass_q75_us, whiskers pass_q10_us to pass_q90_us, dots at pass_min_us
and pass_max_us, a line at pass_median_us) and a diamond at the round's mean per pass, which
is what Google Benchmark reports. A red frame marks a round whose passes fell into separate
clusters (pass_bimodal). A band across the figure is the median over the rounds with its
distribution-free 95% interval (sfb's, from its tidy export's median row). Results written
before the suite kept per-pass times draw the diamonds only. With --metric mb_per_s every
value is drawn as MB/s (10^6 bytes/s) of one pass instead of microseconds per pass.

Exit status: 0 drawn, 2 bad input (the message says what is wrong).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sfb_results as sr  # noqa: E402  (the results as sfb reads them: its tidy export)
import sfb_tidy  # noqa: E402

# The per-pass quantile counters in the order the box draws them (pass_min_us ... pass_max_us);
# the names are the contract's, which must have every one.
PASS_QUANTILES = ("min", "q10", "q25", "median", "q75", "q90", "max")
PASS_COUNTERS = tuple(f"pass_{quantile}_us" for quantile in PASS_QUANTILES)
if not set(PASS_COUNTERS) <= set(sr.COUNTERS):
    raise SystemExit(f"sfb_distribution: error: {sr.CONTRACT_PATH} lacks the counters "
                     f"{sorted(set(PASS_COUNTERS) - set(sr.COUNTERS))}")
InputError = sr.InputError


def load_rows(path: Path, wanted: str, sfb, context: Optional[dict] = None) -> tuple:
    """(benchmark name, its repetition rows, its median rows by metric) of the one benchmark
    `wanted` names, from sfb's tidy export of the result; the context's keys and texts go into
    `context` when given."""
    repetitions = {}
    medians = {}
    for row in sfb_tidy.tidy_rows([str(path)], sfb):
        if row["record"] == "context" and context is not None:
            context[str(row["metric"])] = row["text"]
        elif row["record"] == "repetition":
            repetitions.setdefault(row["benchmark"], {}).setdefault(
                row["repetition"], {})[row["metric"]] = row["value"]
        elif row["record"] == "median":
            medians.setdefault(row["benchmark"], {})[row["metric"]] = row
    if wanted in repetitions:
        name = wanted
    else:
        matches = sorted(n for n in repetitions if wanted in n)
        if not matches:
            raise InputError(f"{path}: no benchmark matches \"{wanted}\"; it has: " +
                             ", ".join(sorted(repetitions)[:20]) +
                             (" ..." if len(repetitions) > 20 else ""))
        if len(matches) > 1:
            raise InputError(f"\"{wanted}\" matches {len(matches)} benchmarks; name one of: " +
                             ", ".join(matches[:20]))
        name = matches[0]
    entries = [repetitions[name][r] for r in sorted(repetitions[name])]
    return name, entries, medians.get(name, {})


def rounds_of(entries: list, metric: str) -> list:
    """Per repetition: {"mean": value, "passes": [7 quantiles] or None, "bimodal": bool}."""
    rounds = []
    for entry in entries:
        real_us = entry.get("real_time")
        if real_us is None:
            raise InputError("a repetition lacks real_time")
        quantiles = [entry.get(key) for key in PASS_COUNTERS]
        passes = None if any(q is None for q in quantiles) else quantiles
        rounds.append({"mean": real_us, "passes": passes,
                       "bimodal": (entry.get(sr.PASS_BIMODAL) or 0) > 0,
                       "bytes_per_pass": entry.get(sr.PASS_BYTES)})
    if metric == "mb_per_s":
        for r in rounds:
            if not r["bytes_per_pass"]:
                raise InputError("--metric mb_per_s needs the pass_bytes counter")
            to_rate = lambda us, b=r["bytes_per_pass"]: b / us if us > 0 else float("nan")  # noqa: E731
            r["mean"] = to_rate(r["mean"])
            if r["passes"]:
                # A long pass is a low rate: the quantiles swap ends.
                r["passes"] = [to_rate(v) for v in reversed(r["passes"])]
    return rounds


def band(medians: dict, metric: str) -> tuple:
    """(median, low, high) over the rounds from sfb's median row of real_time (low/high None
    with too few rounds for an interval). As MB/s: the pass's bytes over each, the ends
    swapped (a rate falls as the time grows, so the order statistics map onto each other)."""
    row = medians.get("real_time")
    if row is None:
        raise InputError("the result has no median of real_time")
    mid, low, high = row["value"], row["ci_low"], row["ci_high"]
    if metric != "mb_per_s":
        return mid, low, high
    bytes_row = medians.get(sr.PASS_BYTES)
    if bytes_row is None or not bytes_row["value"] or not mid:
        raise InputError("--metric mb_per_s needs the pass_bytes counter")
    size = bytes_row["value"]
    if low is None or high is None or low <= 0:
        return size / mid, None, None
    return size / mid, size / high, size / low


def draw(name: str, rounds: list, interval: tuple, metric: str, out: Path,
         clock: str = "wall") -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(rounds) + 3), 4.5))
    xs = list(range(1, len(rounds) + 1))
    means = [r["mean"] for r in rounds]
    mid, low, high = interval
    if low is not None:
        ax.axhspan(low, high, color="tab:blue", alpha=0.12,
                   label=f"median of rounds, 95% CI [{low:.4g}, {high:.4g}]")
    ax.axhline(mid, color="tab:blue", linewidth=1, label=f"median of rounds {mid:.4g}")
    for x, r in zip(xs, rounds):
        q = r["passes"]
        if q is None:
            continue
        lo_whisker, q25, med, q75, hi_whisker = q[1], q[2], q[3], q[4], q[5]
        edge = "tab:red" if r["bimodal"] else "0.3"
        ax.add_patch(plt.Rectangle((x - 0.3, q25), 0.6, q75 - q25, facecolor="0.85",
                                   edgecolor=edge, linewidth=2 if r["bimodal"] else 1))
        ax.plot([x - 0.3, x + 0.3], [med, med], color="black", linewidth=1.5)
        ax.plot([x, x], [lo_whisker, q25], color="0.3", linewidth=1)
        ax.plot([x, x], [q75, hi_whisker], color="0.3", linewidth=1)
        ax.plot([x, x], [q[0], q[6]], linestyle="none", marker=".", color="0.4")
    ax.plot(xs, means, linestyle="none", marker="D", color="tab:orange",
            label="round's mean per pass (Google Benchmark's value)")
    bimodal = [str(x) for x, r in zip(xs, rounds) if r["bimodal"]]
    ax.set_xticks(xs)
    ax.set_xlabel("round (repetition)")
    ax.set_ylabel(y_label(metric, clock))
    title = name if len(name) <= 90 else name[:87] + "..."
    note = (f"bimodal passes in round(s) {', '.join(bimodal)}" if bimodal else
            "no round bimodal" if any(r["passes"] for r in rounds) else
            "no per-pass samples in this result")
    ax.set_title(f"{title}\n{note}", fontsize=9)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def y_label(metric: str, clock: str) -> str:
    """The y axis: under qemu's instruction clock (vm_clock instructions) sfb's tidy export
    gives a pass in guest instructions, and there is no MB/s (main refuses it)."""
    if clock == sr.INSTRUCTIONS:
        return "guest instructions per pass (instruction clock)"
    return "MB/s per pass" if metric == "mb_per_s" else "wall time per pass (us)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Draws one benchmark's distribution: every round's passes and the "
                    "median over the rounds with its 95% interval.")
    parser.add_argument("result", help="a bench_sendfile or sfb run JSON file")
    parser.add_argument("benchmark", help="a benchmark name, or a part of exactly one")
    parser.add_argument("--output", "-o", default="distribution.png", help="the PNG to write")
    parser.add_argument("--metric", choices=("real_time", "mb_per_s"), default="real_time")
    parser.add_argument("--sfb", metavar="PATH",
                        help="the sfb program that reads the result (default: $SFB, sfb on "
                             "PATH, then this checkout's build/release or build/ci)")
    # --out, the spelling before sfb's --output: still accepted, not shown by --help.
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(["--output" + arg[5:] if arg == "--out" or arg.startswith("--out=")
                              else arg for arg in argv])
    try:
        context = {}
        name, entries, medians = load_rows(Path(args.result), args.benchmark, args.sfb, context)
        clock = sr.INSTRUCTIONS if context.get("vm_clock") == sr.INSTRUCTIONS else "wall"
        if clock == sr.INSTRUCTIONS and args.metric == "mb_per_s":
            raise InputError(f"{args.result}: --metric mb_per_s: a result of qemu's instruction "
                             "clock (vm_clock instructions) counts guest instructions, not "
                             "time, so it has no MB/s; draw real_time (instructions per pass)")
        rounds = rounds_of(entries, args.metric)
        interval = band(medians, args.metric)
    except InputError as e:
        print(f"sfb_distribution: {sfb_tidy.message_text(e)}", file=sys.stderr)
        return 2
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("sfb_distribution: matplotlib is missing: install python3-matplotlib",
              file=sys.stderr)
        return 2
    draw(name, rounds, interval, args.metric, Path(args.output), clock)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
