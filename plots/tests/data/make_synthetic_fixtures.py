#!/usr/bin/python3
"""Writes the SYNTHETIC test fixtures in this folder: invented numbers, not measurements.

They have the exact shape bench_sendfile's --benchmark_format=json output has (Google
Benchmark 1.7.1, three repetitions plus aggregates, the suite's counters and context keys),
so the plot tests can exercise several machines, receivers and a failed benchmark without
running anything. Every file says so in its context ("sfb_fixture"). They must never be
copied under results/. Regenerate with:

    /usr/bin/python3 plots/tests/data/make_synthetic_fixtures.py
"""

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILE_BYTES = 8 << 20
BLOCKS = (4096, 65536, 1 << 20)

# Invented MB/s at 4 KiB, 64 KiB and 1 MiB blocks; the shape (sendfile ahead of read_send,
# more so with the discard receiver) is what the figures are meant to show.
MODEL = {
    "read_write": (900, 2300, 2500),
    "read_send": (950, 2400, 2600),
    "sendfile": (2100, 5900, 6400),
    "sendfile_emulated": (880, 2250, 2450),
    "mmap_send": (1000, 2700, 2900),
    "splice": (1900, 5200, 5600),
    "msg_zerocopy": (400, 2100, 3300),
}
MACHINES = {
    "a": {
        "kernel": "6.1.0-28-amd64",
        "cpu": "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
        "cpus": 2,
        "speed": 1.0,
        "commit": "0123456789ab",
        "date": "2026-11-26T10:00:00+00:00",
        "paths": ["read_write", "read_send", "sendfile", "splice", "msg_zerocopy"],
        "receivers": ("discard", "copy"),
    },
    "b": {
        "kernel": "6.12.9-amd64",
        "cpu": "AMD EPYC 7R13 Processor",
        "cpus": 64,
        "speed": 1.35,
        "commit": "0123456789ab",
        "date": "2026-11-26T10:30:00+00:00",
        "paths": ["read_send", "sendfile", "splice"],
        "receivers": ("discard",),
    },
}


def fingerprint(m):
    text = f"linux-{m['kernel']}-{m['cpu']}-{m['cpus']}cpu".lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def context(m):
    return {
        "date": m["date"],
        "host_name": "synthetic-fixture",
        "executable": "bench_sendfile",
        "num_cpus": m["cpus"],
        "mhz_per_cpu": 2900,
        "cpu_scaling_enabled": False,
        "caches": [],
        "load_avg": [0.1, 0.1, 0.1],
        "library_build_type": "release",
        "sfb_fixture": "SYNTHETIC test fixture from make_synthetic_fixtures.py, not a measurement",
        "sfb_version": "0.1.0",
        "sfb_git_commit": m["commit"],
        "os": "Linux",
        "kernel_release": m["kernel"],
        "libc": "glibc 2.36",
        "cpu_model": m["cpu"],
        "cpu_count": str(m["cpus"]),
        "cpu_governor": "performance",
        "loopback_mtu": "65536",
        "tcp_rmem": "4096 131072 6291456",
        "tcp_wmem": "4096 16384 4194304",
        "tcp_congestion_control": "cubic",
        "transport": "tcp4",
        "receiver": ",".join(m["receivers"]),
        "file_dir": "/var/tmp",
        "file_fs": "ext4",
        "page_cache": "warm",
        "paths_available": ",".join(m["paths"]),
        "paths_skipped": "io_uring_send: liburing disabled in this build",
        "machine_fingerprint": fingerprint(m),
    }


def entry(name, family, instance, run_type, rep, values, aggregate=None):
    e = {
        "name": name + (f"_{aggregate}" if aggregate else ""),
        "family_index": family,
        "per_family_instance_index": instance,
        "run_name": name,
        "run_type": run_type,
        "repetitions": 3,
    }
    if aggregate is None:
        e["repetition_index"] = rep
    e["threads"] = 1
    if aggregate is not None:
        e["aggregate_name"] = aggregate
        e["aggregate_unit"] = "percentage" if aggregate == "cv" else "time"
    e["iterations"] = 3 if aggregate else values.pop("iterations")
    e.update(values)
    return e


def benchmarks(m, rng):
    out = []
    family = 0
    for receiver in m["receivers"]:
        for path in m["paths"]:
            for instance, block in enumerate(BLOCKS):
                name = (f"{path}/tcp4/{receiver}/warm/file:{FILE_BYTES}/block:{block}"
                        "/conns:1/real_time")
                discard_gain = 1.25 if receiver == "discard" else 1.0
                base = MODEL[path][instance] * m["speed"] * discard_gain
                calls = -(-FILE_BYTES // block) * (1 if path == "sendfile" else 2)
                reps = []
                for rep in range(3):
                    mbps = base * rng.uniform(0.97, 1.03)
                    real_us = FILE_BYTES / mbps
                    cpu_share = 0.35 if path == "sendfile" else 0.8
                    cpu_us = real_us * cpu_share * rng.uniform(0.98, 1.02)
                    system_us = real_us * 1.6
                    values = {
                        "iterations": int(2e6 / real_us) + 1,
                        "real_time": real_us,
                        "cpu_time": cpu_us,
                        "time_unit": "us",
                        "bytes_per_second": mbps * 1e6,
                        "bytes_received": float(FILE_BYTES),
                        "bytes_verified": 0.0,
                        "pass_bytes": float(FILE_BYTES),
                        "receiver_cpu_us": real_us * 0.6,
                        "service_demand_us_per_kib": system_us / (FILE_BYTES / 1024),
                        "softirq_us": real_us * 0.2,
                        "syscalls_per_pass": float(calls),
                        "system_cpu_us": system_us,
                    }
                    if path == "msg_zerocopy":
                        values["zerocopy_copied"] = 1.0
                    reps.append(values)
                for rep, values in enumerate(reps):
                    out.append(entry(name, family, instance, "iteration", rep, dict(values)))
                for aggregate in ("mean", "median", "stddev", "cv"):
                    agg = {}
                    for k in reps[0]:
                        if k in ("iterations", "time_unit"):
                            continue
                        xs = sorted(r[k] for r in reps)
                        mean = sum(xs) / 3
                        sd = (sum((x - mean) ** 2 for x in xs) / 2) ** 0.5
                        agg[k] = {"mean": mean, "median": xs[1], "stddev": sd,
                                  "cv": sd / mean if mean else 0.0}[aggregate]
                    agg["time_unit"] = "us"
                    ordered = {"real_time": agg.pop("real_time"), "cpu_time": agg.pop("cpu_time"),
                               "time_unit": agg.pop("time_unit"),
                               "bytes_per_second": agg.pop("bytes_per_second")}
                    ordered.update(sorted(agg.items()))
                    out.append(entry(name, family, instance, "aggregate", None, ordered, aggregate))
            family += 1
    # A path that failed in every repetition, as SkipWithError reports it.
    name = (f"io_uring_send/tcp4/{m['receivers'][0]}/warm/file:{FILE_BYTES}/block:65536"
            "/conns:1/real_time")
    for rep in range(3):
        out.append({
            "name": name, "family_index": family, "per_family_instance_index": 0,
            "run_name": name, "run_type": "iteration", "repetitions": 3,
            "repetition_index": rep, "threads": 1, "error_occurred": True,
            "error_message": "io_uring_send: synthetic failure for the fixture",
            "iterations": 1, "real_time": 0.0, "cpu_time": 0.0, "time_unit": "us",
        })
    return out


def main():
    for tag, m in MACHINES.items():
        rng = random.Random(f"sfb-fixture-{tag}")
        folder = HERE / "synthetic" / fingerprint(m)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = m["date"][:19].replace("-", "").replace(":", "") + "Z"
        doc = {"context": context(m), "benchmarks": benchmarks(m, rng)}
        target = folder / f"{stamp}-{m['commit']}.json"
        target.write_text(json.dumps(doc, indent=2) + "\n")
        print(target.relative_to(HERE))


if __name__ == "__main__":
    main()
