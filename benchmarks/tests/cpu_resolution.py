#!/usr/bin/env python3
"""Whether bench_sendfile's time counters are fine enough to tell repetitions apart.

    cpu_resolution.py [--bench BENCH_SENDFILE] [--repetitions N] [--min-time S]
                      [--min-distinct K] [--check]

Runs one benchmark (sendfile, a 1 MiB file in 64 KiB blocks, sender and receiver on two CPUs)
for N repetitions of S seconds each and prints, per benchmark and per time counter of the
contract (a measure or counter with a "resolution"), how many distinct values its N
repetitions gave, and which time counters the run did not write. A counter stepped by a coarse
source (/proc/stat's 10 ms ticks, over passes of tens of microseconds) repeats the same few
values; one read from a nanosecond source differs in every repetition.

With --check the exit status is 1 when a counter that is present has fewer than K distinct
values (default N - 2), apart from values equal to a counter's floor of 0 (other_cpu_us is
clamped there when the rest of the machine is idle: a floor, not a step). This asserts
resolution, not speed: on any machine, busy or idle, two repetitions of a nanosecond count are
equal only by chance. Exit status 2 when bench_sendfile fails or its output does not parse.
Python 3 standard library only.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "format" / "contract.json"
DEFAULT_BENCH = ROOT / "build" / "h-b-rel" / "benchmarks" / "bench_sendfile"


def time_counters(contract):
    """The contract's measures and counters that state a resolution, in contract order."""
    return [e["name"] for e in contract["measures"] + contract["counters"] if "resolution" in e]


def distinct_counts(document, names):
    """{run_name: {counter: (distinct values, repetitions, zeros)}} over the iteration entries;
    a counter no repetition wrote is left out of its benchmark's map."""
    runs = {}
    for entry in document.get("benchmarks", []):
        if entry.get("run_type") != "iteration" or entry.get("error_occurred"):
            continue
        runs.setdefault(entry["run_name"], []).append(entry)
    out = {}
    for run_name, entries in runs.items():
        counts = {}
        for name in names:
            values = [e[name] for e in entries if isinstance(e.get(name), (int, float))]
            if values:
                counts[name] = (len(set(values)), len(values),
                                sum(1 for v in values if v == 0))
        out[run_name] = counts
    return out


def failures(counts, names, min_distinct):
    """One line per present counter with fewer than `min_distinct` distinct values (the zeros
    of a floor counted as distinct), or written by only some repetitions."""
    problems = []
    for run_name, by_counter in counts.items():
        for name, (distinct, written, zeros) in by_counter.items():
            repeated_zeros = max(0, zeros - 1)
            if distinct + repeated_zeros < min_distinct:
                problems.append(f"{run_name}: {name} has {distinct} distinct values in "
                                f"{written} repetitions (fewer than {min_distinct})")
        written = {w for (_, w, _) in by_counter.values()}
        if len(written) > 1:
            problems.append(f"{run_name}: some counters are written by only some repetitions")
    return problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default=str(DEFAULT_BENCH))
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--min-time", default="0.05")
    parser.add_argument("--min-distinct", type=int)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    min_distinct = args.min_distinct if args.min_distinct is not None else args.repetitions - 2
    names = time_counters(json.loads(CONTRACT.read_text()))
    command = [args.bench, "--sfb_paths=sendfile", "--sfb_file_sizes=1M",
               "--sfb_block_sizes=64K", "--sfb_placement=split",
               f"--benchmark_repetitions={args.repetitions}",
               f"--benchmark_min_time={args.min_time}", "--benchmark_format=json"]
    print("$ " + " ".join(command))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        document = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as e:
        print(f"cpu_resolution: {e}", file=sys.stderr)
        return 2
    if done.returncode != 0:
        print(f"cpu_resolution: bench_sendfile exited {done.returncode}:\n{done.stderr}",
              file=sys.stderr)
        return 2
    counts = distinct_counts(document, names)
    if not counts:
        print("cpu_resolution: no benchmark ran", file=sys.stderr)
        return 2
    for run_name, by_counter in counts.items():
        print(run_name)
        for name in names:
            if name in by_counter:
                distinct, written, zeros = by_counter[name]
                floor = f" ({zeros} at the floor 0)" if zeros else ""
                print(f"  {name:28} {distinct:3} distinct of {written}{floor}")
        absent = [n for n in names if n not in by_counter]
        if absent:
            print("  not written: " + ", ".join(absent))
    problems = failures(counts, names, min_distinct)
    for problem in problems:
        print(f"cpu_resolution: {problem}", file=sys.stderr)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
