#!/usr/bin/env python3
"""Does bench_sendfile agree with a bare loop making the same system calls?

Runs, alternately, bench_sendfile (read_send and sendfile, discard receiver, one placement)
and core/bench/sendfile_loop_bench (pread+send and sendfile, the same receiver, placement and
congestion control, the sender asleep on a condition variable after each pass as the suite's)
twice: on one long-lived connection, and with a new connection and receiver thread for every
run, as bench_sendfile opens one for each run of a benchmark. For each block size and
placement it prints each program's MB/s per path (median of the runs, with min and max), the
median CPU per pass of the sending and the receiving thread (which shows where TCP's receive
work was done: core/README.md, "Does the suite agree with a bare loop?"), the sendfile /
read_send ratio each finds, and the suite's MB/s over each program's. It prints
figures and asserts nothing: run it on an idle machine from a release build after a change to
the send paths.

Usage: suite_vs_loop.py [--build DIR] [--runs N] [--seconds S] [--size SIZE]
                        [--blocks 4K,64K,256K,1M] [--placements split,same]
                        [--shape pass|stream] [--dir DIR] [--congestion NAME|system]
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
ROUND = re.compile(r"^round +1 +A +([0-9.]+) MB/s +B +([0-9.]+) MB/s.*"
                   r"sender/receiver A ([0-9]+)/([0-9]+) B ([0-9]+)/([0-9]+)", re.MULTILINE)


def size_arg(text):
    match = SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: a size such as 4096, 64K or 1M")
    return text


def congestion_arg(text):
    if not re.fullmatch(r"[a-z0-9_-]{1,15}", text):
        raise argparse.ArgumentTypeError(f"{text!r}: a congestion control's name, or system")
    return text


def run(command, seconds):
    result = subprocess.run(command, capture_output=True, text=True, timeout=120 + 20 * seconds)
    if result.returncode != 0:
        sys.exit(f"suite_vs_loop: {' '.join(command)} exited {result.returncode}:\n"
                 f"{result.stderr[-2000:]}")
    return result.stdout


def suite_run(args, block, placement):
    """(MB/s, sender us/pass, receiver us/pass) of read_send and sendfile in one run."""
    out = run([str(args.build / "benchmarks" / "bench_sendfile"),
               "--sfb_paths=read_send,sendfile", f"--sfb_file_sizes={args.size}",
               f"--sfb_block_sizes={block}", "--sfb_receiver=discard",
               f"--sfb_placement={placement}", f"--sfb_dir={args.dir}",
               f"--sfb_tcp_congestion={args.congestion}",
               f"--benchmark_min_time={args.seconds}", "--benchmark_format=json"], args.seconds)
    found = {}
    for entry in json.loads(out)["benchmarks"]:
        found[entry["name"].split("/")[0]] = (entry["bytes_per_second"] / 1e6,
                                              entry["cpu_time"], entry["receiver_cpu_us"])
    return found["read_send"], found["sendfile"]


def loop_run(args, block, placement, fresh):
    """The same for pread+send and sendfile in one sendfile_loop_bench run (one A-B round)."""
    out = run([str(args.build / "core" / "bench" / "sendfile_loop_bench"),
               "--variants", "send,bare", "--placement", placement, "--receiver", "discard",
               "--size", args.size, "--block", block, "--seconds", str(args.seconds),
               "--rounds", "1", "--shape", args.shape, "--dir", args.dir,
               "--fresh-connection", "yes" if fresh else "no", "--wait", "sleep",
               "--congestion", args.congestion], args.seconds)
    match = ROUND.search(out)
    if not match:
        sys.exit(f"suite_vs_loop: no result line in sendfile_loop_bench's output:\n{out[-2000:]}")
    a, b, a_send, a_recv, b_send, b_recv = (float(x) for x in match.groups())
    return (a, a_send, a_recv), (b, b_send, b_recv)


def column(samples):
    """'MB/s median [min, max] CPU sender/receiver ms' of a list of (MB/s, sender, receiver)."""
    rates = [s[0] for s in samples]
    sender = statistics.median(s[1] for s in samples) / 1000
    receiver = statistics.median(s[2] for s in samples) / 1000
    return (f"{statistics.median(rates):6.0f} [{min(rates):5.0f}, {max(rates):5.0f}] "
            f"{sender:5.1f}/{receiver:5.1f}")


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
    parser.add_argument("--congestion", default="cubic", type=congestion_arg,
                        help="TCP congestion control of both programs' sending sockets "
                             "(default cubic, as both default to; system: the system's)")
    args = parser.parse_args()
    if not 0.01 <= args.seconds <= 60:
        parser.error("--seconds must be from 0.01 to 60")
    blocks = [size_arg(b) for b in args.blocks.split(",")]
    placements = args.placements.split(",")
    if any(p not in ("same", "split") for p in placements):
        parser.error("--placements takes same and/or split")

    print(f"file {args.size}, discard receiver, {args.runs} alternating runs of "
          f"{args.seconds} s per path, loop shape {args.shape}; MB/s median [min, max] and "
          f"median CPU ms per pass of the sending / receiving thread")
    print(f"{'placement block program':40} | {'read_send (loop: pread+send)':34} | "
          f"{'sendfile':34} | sf/rs | suite/this rs, sf")
    programs = ("suite", "loop, one connection", "loop, new connection per run")
    for placement in placements:
        for block in blocks:
            found = {name: ([], []) for name in programs}
            for _ in range(args.runs):
                for name in programs:
                    rs, sf = (suite_run(args, block, placement) if name == "suite" else
                              loop_run(args, block, placement, name.endswith("per run")))
                    found[name][0].append(rs)
                    found[name][1].append(sf)
            med = {name: (statistics.median(s[0] for s in rs), statistics.median(s[0] for s in sf))
                   for name, (rs, sf) in found.items()}
            for name, (rs, sf) in found.items():
                label = f"{placement:5} {block:5} {name}"
                suite_rs, suite_sf = med["suite"]
                print(f"{label:40} | {column(rs)} | {column(sf)} | "
                      f"{med[name][1] / med[name][0]:4.2f}x | "
                      f"{suite_rs / med[name][0]:4.2f}x {suite_sf / med[name][1]:4.2f}x",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
