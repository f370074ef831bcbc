#!/usr/bin/env python3
"""Does bench_sendfile agree with a bare loop making the same system calls?

Runs, alternately, bench_sendfile (read_send and sendfile, discard receiver, one placement)
and core/bench/sendfile_loop_bench (pread+send and sendfile, the same receiver and placement)
for each block size and placement, and prints each program's MB/s per path (median of the
runs, with min and max), the sendfile / read_send ratio each program finds, and how the
suite's MB/s compares with the loop's. It prints figures and asserts nothing: run it on an
idle machine from a release build after a change to the send paths (core/README.md,
"Does the suite agree with a bare loop?").

Usage: suite_vs_loop.py [--build DIR] [--runs N] [--seconds S] [--size SIZE]
                        [--blocks 4K,64K,256K,1M] [--placements split,same]
                        [--shape pass|stream] [--dir DIR]
Exit status: 0 after printing, 1 when a run failed, 2 for bad arguments.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

SIZE = re.compile(r"^([1-9][0-9]{0,6})([KM]?)$")


def size_arg(text):
    match = SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: a size such as 4096, 64K or 1M")
    return text


def run(command, seconds):
    result = subprocess.run(command, capture_output=True, text=True, timeout=120 + 20 * seconds)
    if result.returncode != 0:
        sys.exit(f"suite_vs_loop: {' '.join(command)} exited {result.returncode}:\n"
                 f"{result.stderr[-2000:]}")
    return result.stdout


def suite_run(args, block, placement):
    """MB/s of read_send and sendfile in one bench_sendfile run."""
    out = run([str(args.build / "benchmarks" / "bench_sendfile"),
               "--sfb_paths=read_send,sendfile", f"--sfb_file_sizes={args.size}",
               f"--sfb_block_sizes={block}", "--sfb_receiver=discard",
               f"--sfb_placement={placement}", f"--sfb_dir={args.dir}",
               f"--benchmark_min_time={args.seconds}", "--benchmark_format=json"], args.seconds)
    rates = {}
    for entry in json.loads(out)["benchmarks"]:
        rates[entry["name"].split("/")[0]] = entry["bytes_per_second"] / 1e6
    return rates["read_send"], rates["sendfile"]


def loop_run(args, block, placement):
    """MB/s of pread+send and sendfile in one sendfile_loop_bench run (one A-B round)."""
    out = run([str(args.build / "core" / "bench" / "sendfile_loop_bench"),
               "--variants", "send,bare", "--placement", placement, "--receiver", "discard",
               "--size", args.size, "--block", block, "--seconds", str(args.seconds),
               "--rounds", "1", "--shape", args.shape, "--dir", args.dir], args.seconds)
    medians = re.findall(r"^[AB] MB/s\s+median\s+([0-9.]+)", out, re.MULTILINE)
    return float(medians[0]), float(medians[1])


def spread(values):
    return f"{statistics.median(values):7.0f} [{min(values):5.0f}, {max(values):5.0f}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=Path("build/release"),
                        help="a release build folder (default build/release)")
    parser.add_argument("--runs", type=int, choices=range(1, 101), default=5, metavar="N",
                        help="alternating runs of each program (default 5)")
    parser.add_argument("--seconds", type=float, default=1.5,
                        help="seconds per path and run (default 1.5)")
    parser.add_argument("--size", type=size_arg, default="64M", help="file size (default 64M)")
    parser.add_argument("--blocks", default="4K,64K,256K,1M")
    parser.add_argument("--placements", default="split,same")
    parser.add_argument("--shape", choices=("pass", "stream"), default="pass",
                        help="the loop's shape: pass waits for the receiver after each pass, "
                             "as the suite does (default); stream does not")
    parser.add_argument("--dir", default="/var/tmp", help="where the files go")
    args = parser.parse_args()
    if not 0.01 <= args.seconds <= 60:
        parser.error("--seconds must be from 0.01 to 60")
    blocks = [size_arg(b) for b in args.blocks.split(",")]
    placements = args.placements.split(",")
    if any(p not in ("same", "split") for p in placements):
        parser.error("--placements takes same and/or split")

    print(f"file {args.size}, discard receiver, {args.runs} alternating runs of "
          f"{args.seconds} s per path, loop shape {args.shape}; MB/s median [min, max]")
    print(f"{'placement':9} {'block':5} | {'suite read_send':21} {'suite sendfile':21} | "
          f"{'loop send':21} {'loop sendfile':21} | {'sf/rs suite':11} {'sf/send loop':12} | "
          f"{'suite/loop rs':13} {'suite/loop sf':13}")
    for placement in placements:
        for block in blocks:
            suite_rs, suite_sf, loop_rs, loop_sf = [], [], [], []
            for _ in range(args.runs):
                rs, sf = suite_run(args, block, placement)
                suite_rs.append(rs)
                suite_sf.append(sf)
                rs, sf = loop_run(args, block, placement)
                loop_rs.append(rs)
                loop_sf.append(sf)
            med = statistics.median
            print(f"{placement:9} {block:5} | {spread(suite_rs)} {spread(suite_sf)} | "
                  f"{spread(loop_rs)} {spread(loop_sf)} | "
                  f"{med(suite_sf) / med(suite_rs):10.2f}x {med(loop_sf) / med(loop_rs):11.2f}x | "
                  f"{med(suite_rs) / med(loop_rs):12.2f}x {med(suite_sf) / med(loop_sf):12.2f}x",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
