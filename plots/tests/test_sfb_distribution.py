#!/usr/bin/python3
"""Tests of plots/sfb_distribution.py: a figure from per-pass samples, and bad input.

    /usr/bin/python3 plots/tests/test_sfb_distribution.py -v
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "sfb_distribution.py"
PYTHON = os.environ.get("SFB_PLOTS_PYTHON", sys.executable)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

sys.path.insert(0, str(HERE.parent))
import sfb_distribution as sd  # noqa: E402

NAME = "sendfile/tcp4/discard/warm/file:67108864/block:65536/conns:1/placement:free"
OTHER = "read_send/tcp4/discard/warm/file:67108864/block:65536/conns:1/placement:free"


def entry(name, index, real_us, passes=True, bimodal=False):
    e = {"name": name + "/real_time", "run_name": name + "/real_time", "run_type": "iteration",
         "repetitions": 9, "repetition_index": index, "threads": 1, "iterations": 30,
         "real_time": real_us, "cpu_time": real_us / 2, "time_unit": "us",
         "pass_bytes": 67108864.0}
    if passes:
        spread = 2000.0 if bimodal else 200.0
        e.update({"pass_min_us": real_us - spread, "pass_q10_us": real_us - 0.8 * spread,
                  "pass_q25_us": real_us - 0.5 * spread, "pass_median_us": real_us,
                  "pass_q75_us": real_us + 0.5 * spread, "pass_q90_us": real_us + 0.8 * spread,
                  "pass_max_us": real_us + spread, "pass_bimodal": 1.0 if bimodal else 0.0})
    return e


def document(passes=True):
    benchmarks = []
    for i in range(9):
        benchmarks.append(entry(NAME, i, 8000.0 + 50 * i, passes, bimodal=i == 4))
        benchmarks.append(entry(OTHER, i, 11000.0 + 50 * i, passes))
    return {"context": {"date": "2026-12-01"}, "benchmarks": benchmarks}


class Distribution(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def run_script(self, *args):
        env = dict(os.environ, MPLCONFIGDIR=str(self.dir / "mpl"))
        return subprocess.run([PYTHON, str(SCRIPT), *args], capture_output=True, text=True,
                              env=env, timeout=120)

    def write(self, doc, name="run.json"):
        path = self.dir / name
        path.write_text(json.dumps(doc))
        return path

    def assert_png(self, path):
        data = path.read_bytes()
        self.assertEqual(data[:8], PNG_SIGNATURE)
        self.assertGreater(len(data), 8000)

    def test_draws_rounds_with_passes(self):
        result = self.write(document())
        out = self.dir / "figs" / "d.png"
        done = self.run_script(str(result), "sendfile/", "--output", str(out))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assert_png(out)
        self.assertIn(str(out), done.stdout)

    def test_rates_and_results_without_passes(self):
        result = self.write(document(passes=False))
        out = self.dir / "rate.png"
        done = self.run_script(str(result), NAME, "--metric", "mb_per_s", "--output", str(out))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assert_png(out)

    def test_out_the_old_spelling_of_output_still_works(self):
        out = self.dir / "old-spelling.png"
        done = self.run_script(str(self.write(document())), "sendfile/", "--out", str(out))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assert_png(out)

    def test_reads_rounds_and_flags(self):
        name, entries, medians = sd.load_rows(self.write(document()), "sendfile/", None)
        self.assertEqual(name, NAME + "/real_time")
        rounds = sd.rounds_of(entries, "real_time")
        self.assertEqual(len(rounds), 9)
        self.assertEqual([r["bimodal"] for r in rounds].count(True), 1)
        rates = sd.rounds_of(entries, "mb_per_s")
        # The slowest pass is the lowest rate: quantiles reversed.
        self.assertAlmostEqual(rates[0]["passes"][0], 67108864.0 / (8000.0 + 200.0))

    def test_band_is_sfbs_median_row(self):
        """The band is the median and 95% interval of sfb's tidy export, not recomputed."""
        result = self.write(document())
        done = subprocess.run([os.environ["SFB"], "export", "--format", "tidy-jsonl",
                               str(result)], capture_output=True, text=True, check=True)
        row = next(r for r in map(json.loads, done.stdout.splitlines())
                   if r["record"] == "median" and r["metric"] == "real_time"
                   and r["benchmark"] == NAME + "/real_time")
        _, _, medians = sd.load_rows(result, "sendfile/", None)
        self.assertEqual(sd.band(medians, "real_time"),
                         (row["value"], row["ci_low"], row["ci_high"]))
        self.assertIsNotNone(row["ci_low"])
        mid, low, high = sd.band(medians, "mb_per_s")
        self.assertAlmostEqual(mid, 67108864.0 / row["value"])
        self.assertAlmostEqual(low, 67108864.0 / row["ci_high"])
        self.assertAlmostEqual(high, 67108864.0 / row["ci_low"])

    def test_bad_input(self):
        ambiguous = self.run_script(str(self.write(document())), "tcp4", "--output",
                                    str(self.dir / "x.png"))
        self.assertEqual(ambiguous.returncode, 2)
        self.assertIn("matches 2 benchmarks", ambiguous.stderr)
        missing = self.run_script(str(self.write(document())), "splice/", "--output",
                                  str(self.dir / "x.png"))
        self.assertEqual(missing.returncode, 2)
        self.assertIn("no benchmark matches", missing.stderr)
        broken = self.dir / "broken.json"
        broken.write_text("{not json")
        refused = self.run_script(str(broken), "x")
        self.assertEqual(refused.returncode, 2)
        self.assertIn("sfb export: " + str(broken) + ": malformed JSON", refused.stderr)
        self.assertNotIn("Traceback", refused.stderr)
        self.assertEqual(self.run_script(str(self.dir / "absent.json"), "x").returncode, 2)
        self.assertEqual(self.run_script(str(self.write({"a": 1}, "a.json")), "x").returncode, 2)
        self.assertFalse((self.dir / "x.png").exists())


if __name__ == "__main__":
    unittest.main()
