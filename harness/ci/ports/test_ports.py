#!/usr/bin/python3
"""Do github-action-benchmark and Bencher read what sendfile-bench writes?

Runs the ports in this folder (github_action_benchmark.mjs with node, bencher_adapter.py):
    SelfChecks  each port against small inputs whose outcome the upstream code fixes
    RawOutput   raw bench_sendfile output with 10 repetitions (BENCH_SENDFILE)
    Exports     `sfb export` of that output in all three formats (BENCH_SENDFILE, SFB)

    BENCH_SENDFILE=... SFB=... /usr/bin/python3 harness/ci/ports/test_ports.py -v [CLASS]

A missing node, bench_sendfile or `sfb export` skips the tests that need it, with the reason.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
GAB = HERE / "github_action_benchmark.mjs"
BENCHER = HERE / "bencher_adapter.py"
NODE = shutil.which("node")
BENCH = os.environ.get("BENCH_SENDFILE", "")
SFB = os.environ.get("SFB", "")
REPETITIONS = 10
# Two benchmarks, tiny: a 64 KiB file in 16 KiB blocks, 0.01 s each, 10 repetitions;
# TCP_NODELAY, or each pass waits for a delayed ACK (20-40 ms instead of about 50 us).
TINY = ["--sfb_paths=read_send,sendfile", "--sfb_receiver=discard", "--sfb_file_sizes=64K",
        "--sfb_block_sizes=16K", "--sfb_placement=free", "--sfb_nodelay",
        "--benchmark_min_time=0.01",
        f"--benchmark_repetitions={REPETITIONS}", "--benchmark_format=json"]
AGGREGATES = ("mean", "median", "stddev", "cv")

sys.path.insert(0, str(HERE))
import bencher_adapter  # noqa: E402


def gab(tool, path):
    """(exit status, parsed output or stderr) of the github-action-benchmark port."""
    result = subprocess.run([NODE, str(GAB), tool, str(path)], capture_output=True, text=True,
                            timeout=60)
    return result.returncode, json.loads(result.stdout) if result.returncode == 0 \
        else result.stderr


def bencher(adapter, path, *extra):
    result = subprocess.run([sys.executable, str(BENCHER), adapter, str(path), *extra],
                            capture_output=True, text=True, timeout=60)
    return result.returncode, json.loads(result.stdout) if result.returncode == 0 \
        else result.stderr


class Ports(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="sfb-ports-"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, text):
        path = self.tmp / name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return path

    def need_node(self):
        if not NODE:
            self.skipTest("node is not installed: the github-action-benchmark port needs it "
                          "(apt-get install nodejs)")


GOOGLE = {"context": {"caches": [], "date": "x"},
          "benchmarks": [{"name": "a/real_time", "run_type": "iteration", "real_time": 2.5,
                          "cpu_time": 2.0, "time_unit": "us", "iterations": 7, "threads": 1}]}


class SelfChecks(Ports):
    def test_github_action_benchmark_googlecpp(self):
        self.need_node()
        status, out = gab("googlecpp", self.write("g.json", json.dumps(GOOGLE)))
        self.assertEqual(status, 0, out)
        self.assertEqual(out["benches"], [{"name": "a/real_time", "value": 2.5,
                                           "unit": "us/iter",
                                           "extra": "iterations: 7\ncpu: 2 us\nthreads: 1"}])
        # What was seen first: JSON.parse refuses the bare NaN Google Benchmark 1.7.1 writes.
        text = json.dumps(GOOGLE).replace('"cpu_time": 2.0', '"cpu_time": NaN')
        status, out = gab("googlecpp", self.write("nan.json", text))
        self.assertEqual(status, 1)
        self.assertIn("Unexpected token 'N'", out)
        for bad in ("\ufeff" + json.dumps(GOOGLE), "{}", "[]"):
            self.assertEqual(gab("googlecpp", self.write("bad.json", bad))[0], 1, bad[:20])

    def test_github_action_benchmark_custom(self):
        self.need_node()
        entries = [{"name": "x", "value": "12.5", "unit": "MB/s", "range": 1, "other": 3},
                   {"value": 1, "unit": "us"}]
        status, out = gab("customSmallerIsBetter", self.write("c.json", json.dumps(entries)))
        self.assertEqual(status, 0, out)
        # zod 4's coercion: strings to numbers, numbers to strings, a missing name "undefined",
        # unknown keys dropped.
        self.assertEqual(out["benches"], [{"name": "x", "value": 12.5, "range": "1",
                                           "unit": "MB/s"},
                                          {"name": "undefined", "value": 1, "unit": "us"}])
        for bad in ('[{"name": "x", "value": "fast", "unit": "s"}]', '{"name": "x"}', "[]",
                    '[{"name": "x", "value": 1e400, "unit": "s"}]', "[1]"):
            status, out = gab("customBiggerIsBetter", self.write("bad.json", bad))
            self.assertEqual(status, 1, bad)

    def test_bencher_cpp_google(self):
        doc = json.loads(json.dumps(GOOGLE))
        doc["benchmarks"].append(dict(doc["benchmarks"][0], real_time=4.0, time_unit="ms"))
        path = self.write("g.json", json.dumps(doc))
        status, out = bencher("cpp_google", path)
        self.assertEqual(status, 0, out)
        # Nanoseconds; the later entry of a name replaces the earlier one.
        self.assertEqual(out, {"a/real_time": {"latency": {"value": 4.0e6, "lower_value": None,
                                                           "upper_value": None}}})
        self.assertEqual(bencher("cpp_google", path, "--average", "median")[0], 1)
        for change, reason in (
            (lambda d: d["context"].pop("caches"), "missing field `caches`"),
            (lambda d: d["benchmarks"][0].update(time_unit="fortnights"), "units"),
            (lambda d: d["benchmarks"][0].update(name=""), "benchmark name"),
            (lambda d: d["benchmarks"][0].update(real_time="2.5"), "expected f64"),
            (lambda d: d["benchmarks"][0].update(real_time=1e29), "Decimal"),
            (lambda d: d.update(benchmarks=[]), "no benchmarks"),
        ):
            bad = json.loads(json.dumps(doc))
            change(bad)
            status, out = bencher("cpp_google", self.write("bad.json", json.dumps(bad)))
            self.assertEqual(status, 1, reason)
            self.assertIn(reason, out)
        text = json.dumps(doc)
        for bad, reason in (
            (text.replace("4.0", "NaN"), "NaN is not JSON"),
            ("\ufeff" + text, "BOM"),
            (text.replace('"date": "x"', '"date": ' + "[" * 127 + "]" * 127),
             "recursion limit"),
            (text.replace('"x"', '"\\udc00"'), "surrogate"),
            (text.replace('"benchmarks"', '"context": {"caches": []}, "benchmarks"'),
             "duplicate field `context`"),
        ):
            status, out = bencher("cpp_google", self.write("bad.json", bad))
            self.assertEqual(status, 1, reason)
            self.assertIn(reason, out)
        # 126 levels inside the document's own two are still read.
        deep = text.replace('"date": "x"', '"date": ' + "[" * 125 + "]" * 125)
        self.assertEqual(bencher("cpp_google", self.write("deep.json", deep))[0], 0)

    def test_bencher_metric_format(self):
        doc = {"sendfile/x": {"throughput-mb-s": {"value": 10, "lower_value": 9,
                                                  "upper_value": 11, "note": 1},
                              "Sender CPU": {"value": 2.5}}}
        status, out = bencher("json", self.write("bmf.json", json.dumps(doc)))
        self.assertEqual(status, 0, out)
        self.assertEqual(out["sendfile/x"]["throughput-mb-s"],
                         {"value": 10.0, "lower_value": 9.0, "upper_value": 11.0})
        self.assertEqual(out["sendfile/x"]["Sender CPU"]["lower_value"], None)
        for bad in ({"b": {"m" * 65: {"value": 1}}}, {"b": {" m": {"value": 1}}},
                    {"": {"m": {"value": 1}}}, {"b": {"m": {"lower_value": 1}}},
                    {"b": {"m": {"value": "1"}}}, {"b": [1]}, [1]):
            status, out = bencher("json", self.write("bad.json", json.dumps(bad)))
            self.assertEqual(status, 1, bad)
        self.assertEqual(bencher_adapter.name_id("123e4567-e89b-12d3-a456-426614174000",
                                                 bencher_adapter.benchmark_name_ok), "uuid")
        self.assertEqual(bencher_adapter.name_id("latency", bencher_adapter.measure_name_ok),
                         "slug")


class RawOutput(Ports):
    """Raw bench_sendfile output with 10 repetitions, as a CI job would hand it to the tools."""

    @classmethod
    def setUpClass(cls):
        if not BENCH or not os.access(BENCH, os.X_OK):
            raise unittest.SkipTest("BENCH_SENDFILE does not name a built bench_sendfile")
        cls.dir = Path(tempfile.mkdtemp(prefix="sfb-ports-raw-"))
        cls.raw = cls.dir / "raw.json"
        with open(cls.raw, "wb") as out:
            subprocess.run([BENCH, *TINY], stdout=out, check=True, timeout=300)
        cls.names = sorted({b["run_name"] for b in json.loads(
            cls.raw.read_text())["benchmarks"]})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_github_action_benchmark_reads_it(self):
        self.need_node()
        status, out = gab("googlecpp", self.raw)
        self.assertEqual(status, 0, f"github-action-benchmark (googlecpp) refuses raw "
                                    f"bench_sendfile output: {out}")
        # One entry per JSON entry: every repetition and every aggregate.
        self.assertEqual(len(out["benches"]), len(self.names) * (REPETITIONS + len(AGGREGATES)))
        self.assertTrue(all(b["unit"] == "us/iter" for b in out["benches"]))

    def test_bencher_reads_it(self):
        status, out = bencher("cpp_google", self.raw)
        self.assertEqual(status, 0, f"Bencher (cpp_google) refuses raw bench_sendfile output: "
                                    f"{out}")
        # The repetitions share a name, so Bencher keeps the last; each aggregate is its own.
        expected = {f"{name}{suffix}" for name in self.names
                    for suffix in [""] + [f"_{a}" for a in AGGREGATES]}
        self.assertEqual(set(out), expected)


class Exports(Ports):
    """`sfb export` of the same kind of output, in each format, read by the tool it is for."""

    @classmethod
    def setUpClass(cls):
        if not BENCH or not os.access(BENCH, os.X_OK) or not SFB:
            raise unittest.SkipTest("BENCH_SENDFILE and SFB must name built programs")
        probe = subprocess.run([SFB, "export", "--help"], capture_output=True, timeout=60)
        if probe.returncode != 0:
            raise unittest.SkipTest(f"{SFB} has no 'export' command")
        cls.dir = Path(tempfile.mkdtemp(prefix="sfb-ports-export-"))
        raw = cls.dir / "raw.json"
        with open(raw, "wb") as out:
            subprocess.run([BENCH, *TINY], stdout=out, check=True, timeout=300)
        cls.files = {}
        for fmt in ("github-action-benchmark-bigger", "github-action-benchmark-smaller",
                    "bencher"):
            cls.files[fmt] = cls.dir / f"{fmt}.json"
            subprocess.run([SFB, "export", "--format", fmt, "--output", str(cls.files[fmt]),
                            str(raw)], check=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_github_action_benchmark_reads_both_files(self):
        self.need_node()
        for fmt, tool in (("github-action-benchmark-bigger", "customBiggerIsBetter"),
                          ("github-action-benchmark-smaller", "customSmallerIsBetter")):
            status, out = gab(tool, self.files[fmt])
            self.assertEqual(status, 0, f"{tool} refuses sfb export's {fmt}: {out}")
            for bench in out["benches"]:
                # Service demand of a pass too short for /proc/stat to see can be 0.
                self.assertGreaterEqual(bench["value"], 0, bench)
                self.assertTrue(bench["unit"], bench)
            names = [b["name"] for b in out["benches"]]
            self.assertEqual(len(names), len(set(names)), f"{fmt}: a name twice")
        bigger = gab("customBiggerIsBetter", self.files["github-action-benchmark-bigger"])[1]
        # Two benchmarks, MB/s each.
        self.assertEqual(len(bigger["benches"]), 2)

    def test_bencher_reads_the_metric_format(self):
        status, out = bencher("json", self.files["bencher"])
        self.assertEqual(status, 0, f"Bencher refuses sfb export's BMF: {out}")
        self.assertEqual(len(out), 2)
        for benchmark, measures in out.items():
            self.assertGreaterEqual(len(measures), 3, benchmark)
            for measure, metric in measures.items():
                self.assertLessEqual(metric["lower_value"], metric["value"], measure)
                self.assertLessEqual(metric["value"], metric["upper_value"], measure)


if __name__ == "__main__":
    unittest.main()
