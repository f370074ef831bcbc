#!/usr/bin/python3
"""Draws the distribution of one benchmark of a sendfile-bench result.

    /usr/bin/python3 plots/sfb_distribution.py RESULT.json BENCHMARK [--output FILE.png]
                                               [--metric real_time|mb_per_s]

RESULT.json is a file bench_sendfile wrote or `sfb run` stored; BENCHMARK is a benchmark's
name or any part of it that matches exactly one benchmark (e.g.
"sendfile/tcp4/discard/warm/file:67108864/block:65536/conns:1/placement:split").

One column per repetition (round): a box for that round's passes (the suite's per-pass
counters: pass_q25_us to pass_q75_us, whiskers pass_q10_us to pass_q90_us, dots at pass_min_us
and pass_max_us, a line at pass_median_us) and a diamond at the round's mean per pass, which
is what Google Benchmark reports. A red frame marks a round whose passes fell into separate
clusters (pass_bimodal). A band across the figure is the median over the rounds with its
distribution-free 95% interval (order statistics, as `sfb run` prints it). Results written
before the suite kept per-pass times draw the diamonds only. With --metric mb_per_s every
value is drawn as MB/s (10^6 bytes/s) of one pass instead of microseconds per pass.

Exit status: 0 drawn, 2 bad input (the message says what is wrong).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sfb_results as sr  # noqa: E402  (the one JSON reader: the same acceptance as sfb)

# The per-pass quantile counters in the order the box draws them (pass_min_us ... pass_max_us);
# the names are the contract's, which must have every one.
PASS_QUANTILES = ("min", "q10", "q25", "median", "q75", "q90", "max")
PASS_COUNTERS = tuple(f"pass_{quantile}_us" for quantile in PASS_QUANTILES)
if not set(PASS_COUNTERS) <= set(sr.COUNTERS):
    raise SystemExit(f"sfb_distribution: error: {sr.CONTRACT_PATH} lacks the counters "
                     f"{sorted(set(PASS_COUNTERS) - set(sr.COUNTERS))}")
US_PER_UNIT = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


InputError = sr.InputError


def load_repetitions(path: Path, wanted: str) -> tuple:
    """(benchmark name, list of repetition entries) of the one benchmark `wanted` names."""
    document = sr.read_json(path, "Google Benchmark JSON")
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise InputError(f"{path}: not Google Benchmark output (no \"benchmarks\" array)")
    entries = {}
    for entry in document["benchmarks"]:
        if not isinstance(entry, dict) or entry.get("run_type", "iteration") != "iteration":
            continue
        if entry.get("error_occurred"):
            continue
        name = entry.get("run_name") or entry.get("name")
        if isinstance(name, str):
            entries.setdefault(name, []).append(entry)
    if wanted in entries:
        return wanted, entries[wanted]
    matches = sorted(n for n in entries if wanted in n)
    if len(matches) == 1:
        return matches[0], entries[matches[0]]
    if not matches:
        raise InputError(f"{path}: no benchmark matches \"{wanted}\"; it has: " +
                         ", ".join(sorted(entries)[:20]) + (" ..." if len(entries) > 20 else ""))
    raise InputError(f"\"{wanted}\" matches {len(matches)} benchmarks; name one of: " +
                     ", ".join(matches[:20]))


def number(entry: dict, key: str):
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def median_interval(values: list) -> tuple:
    """(median, low, high) with the 95% order-statistic interval; low/high None below 6."""
    ordered = sorted(values)
    n = len(ordered)
    mid = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    rank = 0
    for k in range(1, (n + 1) // 2 + 1):
        tail = sum(math.comb(n, i) for i in range(k)) / 2 ** n
        if 1 - 2 * tail >= 0.95:
            rank = k
        else:
            break
    if rank == 0:
        return mid, None, None
    return mid, ordered[rank - 1], ordered[n - rank]


def rounds_of(entries: list, metric: str) -> list:
    """Per repetition: {"mean": value, "passes": [7 quantiles] or None, "bimodal": bool}."""
    rounds = []
    for entry in entries:
        scale = US_PER_UNIT.get(entry.get("time_unit", "ns"))
        real = number(entry, "real_time")
        if scale is None or real is None:
            raise InputError(f"a repetition of {entry.get('name')} lacks real_time or a known "
                             "time_unit")
        real_us = real * scale
        quantiles = [number(entry, key) for key in PASS_COUNTERS]
        passes = None if any(q is None for q in quantiles) else quantiles
        rounds.append({"mean": real_us, "passes": passes,
                       "bimodal": (number(entry, sr.PASS_BIMODAL) or 0) > 0,
                       "bytes_per_pass": number(entry, sr.PASS_BYTES)})
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


def draw(name: str, rounds: list, metric: str, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(rounds) + 3), 4.5))
    xs = list(range(1, len(rounds) + 1))
    means = [r["mean"] for r in rounds]
    mid, low, high = median_interval(means)
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
    ax.set_ylabel("MB/s per pass" if metric == "mb_per_s" else "wall time per pass (us)")
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Draws one benchmark's distribution: every round's passes and the "
                    "median over the rounds with its 95% interval.")
    parser.add_argument("result", help="a bench_sendfile or sfb run JSON file")
    parser.add_argument("benchmark", help="a benchmark name, or a part of exactly one")
    parser.add_argument("--output", "-o", default="distribution.png", help="the PNG to write")
    parser.add_argument("--metric", choices=("real_time", "mb_per_s"), default="real_time")
    # --out, the spelling before sfb's --output: still accepted, not shown by --help.
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(["--output" + arg[5:] if arg == "--out" or arg.startswith("--out=")
                              else arg for arg in argv])
    try:
        name, entries = load_repetitions(Path(args.result), args.benchmark)
        rounds = rounds_of(entries, args.metric)
    except InputError as e:
        print(f"sfb_distribution: {sr.printable(str(e))}", file=sys.stderr)
        return 2
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("sfb_distribution: matplotlib is missing: install python3-matplotlib",
              file=sys.stderr)
        return 2
    draw(name, rounds, args.metric, Path(args.output))
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
