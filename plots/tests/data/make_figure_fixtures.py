#!/usr/bin/python3
"""Writes SYNTHETIC results for the transports, placement and machines (TCG guest) figures.

Invented numbers, not measurements: each file is format/golden/bench_sendfile-golden.json
(what bench_sendfile really writes) with its benchmarks renamed, its numbers replaced by a
simple model and its context changed to what the run it stands for records:

- loopback.json: tcp4, with transport_route naming lo;
- veth1500.json: veth4, the MTU in transport_route ("veth4 = ...: mtu 1500, ...");
- veth65535.json: veth4 at MTU 65535, known only from sfb_flags (--sfb_mtu=65535), the
  way an older result records it;
- placement.json: placements same, split and free at two block sizes, 7 rounds;
- tcg-guest.json: a qemu TCG guest (vm_accel tcg) running a 6.1 cloud kernel.

Every file says what it is in its context ("sfb_fixture"). The tests write them to a
temporary folder (write_fixtures); by hand:

    /usr/bin/python3 plots/tests/data/make_figure_fixtures.py OUT_DIR
"""

import copy
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "format" / "golden" / "bench_sendfile-golden.json"
FILE_BYTES = 1 << 20
ROUNDS = 7

# Invented MB/s per (transport label, path) at 64 KiB; copy is 80% of discard.
SPEED = {
    ("loopback", "read_send"): 2400, ("loopback", "sendfile"): 4100,
    ("veth1500", "read_send"): 1300, ("veth1500", "sendfile"): 1700,
    ("veth65535", "read_send"): 2100, ("veth65535", "sendfile"): 3300,
}
# Invented sendfile / read_send ratio per placement.
PLACEMENT_RATIO = {"same": 0.8, "split": 2.1, "free": 1.6}


def entry(template: dict, name: str, index: int, mb_per_s: float) -> dict:
    """One repetition of `name` at mb_per_s, with the per-pass times that go with it."""
    e = copy.deepcopy(template)
    real_ns = FILE_BYTES / mb_per_s * 1e3  # bytes / (MB/s) is microseconds
    e.update(name=name, run_name=name, run_type="iteration", repetition_index=index,
             real_time=real_ns, cpu_time=real_ns * 0.6, time_unit="ns",
             bytes_per_second=mb_per_s * 1e6, pass_bytes=FILE_BYTES)
    for key in ("aggregate_name", "aggregate_unit"):
        e.pop(key, None)
    return e


def document(golden: dict, fixture: str, context: dict, benchmarks: list) -> dict:
    doc = {"context": dict(golden["context"]), "benchmarks": benchmarks}
    doc["context"].update(context)
    doc["context"]["sfb_fixture"] = f"synthetic: {fixture}, made by make_figure_fixtures.py"
    return doc


def name(path, transport, receiver, block, placement="free"):
    return (f"{path}/{transport}/{receiver}/warm/file:{FILE_BYTES}/block:{block}/conns:1/"
            f"placement:{placement}/real_time")


def write_fixtures(out: Path) -> list:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    template = next(b for b in golden["benchmarks"] if b.get("run_type") == "iteration")
    docs = {}
    for label, transport, context in (
            ("loopback", "tcp4", {"transport_route": "tcp4 = lo: mtu 65536, path mtu 65536, "
                                                     "driver unknown, offloads default"}),
            ("veth1500", "veth4", {"transport_route": "veth4 = sfb0: mtu 1500, path mtu "
                                                      "1500, driver veth, offloads default",
                                   "sfb_flags": "--sfb_transport=veth4"}),
            ("veth65535", "veth4", {"transport_route": "",
                                    "sfb_flags": "--sfb_transport=veth4 --sfb_mtu=65535"})):
        benchmarks = []
        for receiver, share in (("discard", 1.0), ("copy", 0.8)):
            for path in ("read_send", "sendfile"):
                for i in range(3):
                    speed = SPEED[(label, path)] * share * (1 + 0.02 * (i - 1))
                    benchmarks.append(entry(template, name(path, transport, receiver, 65536),
                                            i, speed))
        docs[f"{label}.json"] = document(golden, label, context, benchmarks)
    benchmarks = []
    for placement, ratio in PLACEMENT_RATIO.items():
        for block, scale in ((16384, 0.7), (65536, 1.0)):
            for i in range(ROUNDS):
                base = 2000 * scale * (1 + 0.03 * ((i * 3) % ROUNDS - 3) / 3)
                benchmarks.append(entry(template, name("read_send", "tcp4", "discard", block,
                                                       placement), i, base))
                benchmarks.append(entry(template, name("sendfile", "tcp4", "discard", block,
                                                       placement),
                                        i, base * ratio * (1 + 0.02 * (i % 3 - 1))))
    docs["placement.json"] = document(golden, "placement", {"placement": "same,split,free"},
                                      benchmarks)
    benchmarks = [entry(template, name(path, "tcp4", "discard", 65536), i, speed)
                  for path, speed in (("read_send", 30), ("sendfile", 120)) for i in range(3)]
    docs["tcg-guest.json"] = document(golden, "tcg-guest", {
        "kernel_release": "6.1.0-57-cloud-amd64", "vm_accel": "tcg",
        "vm_host_kernel": "6.18.44-fc-v669", "cpu_model": "QEMU TCG CPU version 2.5+",
        "machine_fingerprint": "linux-6-1-0-57-cloud-amd64-qemu-tcg-cpu-version-2-5-2cpu"},
        benchmarks)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, doc in docs.items():
        path = out / file_name
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUT_DIR")
    for written_path in write_fixtures(Path(sys.argv[1])):
        print(written_path)
