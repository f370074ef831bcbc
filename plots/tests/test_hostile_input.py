#!/usr/bin/python3
"""Hostile input for plots/sfb_plots.py (found by a hostile test): one test per fault class.

Each fault once ended in a Python traceback (or a hang); each must now end in one clear
message and exit status 2, or in figures that split or clip what would not fit. The result
files are read by sfb (SFB: the built sfb, which CTest passes in): a file it refuses must
reach the user as sfb's one-line message, exit status 2, no traceback.

    SFB=build/.../harness/sfb /usr/bin/python3 plots/tests/test_hostile_input.py -v
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLOTS = HERE.parent
DATA = HERE / "data"
SCRIPT = PLOTS / "sfb_plots.py"
PYTHON = os.environ.get("SFB_PLOTS_PYTHON", sys.executable)
ONE_RUN = next((DATA / "synthetic").rglob("*2cpu/*.json"))
COMPARE = DATA / "compare" / "synthetic-compare.json"
# matplotlib refuses images of 2^16 pixels or more in either direction.
MAX_PIXELS = 1 << 16

sys.path.insert(0, str(PLOTS))
import sfb_results as sr  # noqa: E402


def run_plots(*args, timeout=180):
    return subprocess.run([PYTHON, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def discard_only(document):
    """The fixture's discard group only: half the figures, half the time."""
    return dict(document, benchmarks=[b for b in document["benchmarks"]
                                      if "/discard/" in b["name"]])


class HostileInput(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="sfb-plots-hostile-"))
        self.out = self.tmp / "out"
        self.run_doc = discard_only(json.loads(ONE_RUN.read_text()))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, text):
        path = self.tmp / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return path

    def images(self):
        return sorted(p for p in self.out.rglob("*") if p.is_file()) if self.out.exists() else []

    def assert_rejected(self, args, *must_mention):
        shutil.rmtree(self.out, ignore_errors=True)
        result = run_plots(*args)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn("error:", result.stderr)
        for text in must_mention:
            self.assertIn(str(text), result.stderr)
        self.assertEqual(self.images(), [], "an image was left behind")
        return result.stderr

    def assert_drawn(self, args):
        result = run_plots(*args)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        written = [Path(line) for line in result.stdout.splitlines()]
        self.assertTrue(written)
        for path in written:
            self.assertGreater(path.stat().st_size, 8000, path)
        return result, written

    def test_deep_nesting(self):
        levels = 300_000
        deep = self.write("deep.json", '{"context": {"x": ' + "[" * levels + "]" * levels
                          + '}, "benchmarks": []}')
        message = self.assert_rejected(["all", deep, "-o", self.out], deep)
        self.assertIn("sfb export: ", message)
        self.assertIn("nested more than 256 levels deep", message)
        # Brackets inside strings are text, not nesting.
        doc = dict(self.run_doc, context=dict(self.run_doc["context"], note="[" * 100_000))
        # Nesting the parser allows is drawn.
        doc["context"]["nested"] = json.loads("[" * 100 + "]" * 100)
        source = self.write("nested-but-fine.json", json.dumps(doc))
        self.assert_drawn(["throughput", source, "-o", self.out, "--formats", "png"])

    def test_numbers_that_do_not_fit_a_double(self):
        for name, number in (("digits5000.json", "9" * 5000), ("digits400.json", "1" * 400),
                             ("exponent.json", "1e400"), ("negative.json", "-" + "7" * 4400)):
            bad = self.write(name, '{"context": {"x": ' + number + '}, "benchmarks": []}')
            message = self.assert_rejected(["all", bad, "-o", self.out], bad)
            self.assertIn("malformed JSON", message)
        # 300 digits fit a double, for sfb too: the file is read.
        text = json.dumps(self.run_doc).replace('"context": {', '"context": {"big": '
                                                + "3" * 300 + ", ", 1)
        self.assert_drawn(["throughput", self.write("digits300.json", text), "-o", self.out,
                           "--formats", "png"])

    def test_utf8_byte_order_mark_is_accepted(self):
        with_bom = self.write("bom.json", b"\xef\xbb\xbf" + ONE_RUN.read_bytes())
        self.assertEqual(set(sr.load_file(with_bom).measurements),
                         set(sr.load_file(ONE_RUN).measurements))
        self.assert_drawn(["throughput", with_bom, "-o", self.out, "--formats", "png",
                           "--receiver", "discard"])
        compare = self.write("bom-compare.json", b"\xef\xbb\xbf" + COMPARE.read_bytes())
        self.assertEqual(len(sr.load_compare(compare, "real_time").rows), 4)
        # Only at the start, as for sfb: a second mark is not JSON.
        twice = self.write("bom-twice.json", b"\xef\xbb\xbf" * 2 + ONE_RUN.read_bytes())
        self.assert_rejected(["all", twice, "-o", self.out], twice, "malformed JSON")

    def test_non_finite_numbers(self):
        text = json.dumps(self.run_doc)
        # What Google Benchmark 1.7.1 writes for the cv of an all-zero counter, in every
        # spelling sfb reads (as null); inside strings they stay text.
        for token in ("NaN", "-NaN", "Infinity", "-Infinity"):
            odd = text.replace('"context": {', f'"context": {{"odd": {token}, "s": "{token}", ',
                               1)
            run = sr.load_file(self.write("nonfinite.json", odd))
            self.assertEqual(run.context["odd"], "null")
            self.assertEqual(run.context["s"], token)
        # A time that is finite in the file but not in microseconds, or negative, is no time.
        for unit, value in (("s", 1.7e308), ("ns", -5.0)):
            doc = json.loads(text)
            doc["benchmarks"][0].update(time_unit=unit, real_time=value)
            bad = self.write(f"time-{unit}.json", json.dumps(doc))
            message = self.assert_rejected(["all", bad, "-o", self.out], bad, "real_time")
            self.assertIn("a time must be finite and not negative", message)

    def test_a_key_said_twice_is_refused(self):
        text = json.dumps(self.run_doc)
        head = '"context": {'
        for where, doc in (
                ("top", text.replace('{"context"', '{"benchmarks": [], "context"', 1)),
                ("context", text.replace(head, head + '"num_cpus": 1, ', 1)),
                ("benchmark", text.replace('"real_time": ', '"real_time": 1, "real_time": ', 1))):
            path = self.write(f"twice-{where}.json", doc)
            self.assert_rejected(["all", path, "-o", self.out], path, "appears twice")

    def test_messages_escape_what_they_quote(self):
        # A file name with a newline, a terminal escape, an undecodable byte and a right-to-left
        # override: the one-line message shows each escaped, never raw.
        name = os.fsdecode(b"bad\n\x1b[31m\xff\xe2\x80\xae.json")
        path = self.write(name, "{not json")
        message = self.assert_rejected(["all", path, "-o", self.out],
                                       "bad\\n\\x1b[31m\\xff\\u{202e}.json")
        self.assertNotIn("\x1b", message)
        message.encode("utf-8")

    def test_a_linked_folder_is_named_not_dropped(self):
        tree = self.tmp / "tree"
        (tree / "real").mkdir(parents=True)
        (tree / "real" / "run.json").write_text(json.dumps(self.run_doc))
        elsewhere = self.tmp / "elsewhere"
        elsewhere.mkdir()
        (tree / "linked").symlink_to(elsewhere, target_is_directory=True)
        result = run_plots("throughput", tree, "-o", self.out, "--formats", "png")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("linked: a symbolic link to a folder, not followed", result.stderr)

    def test_numbers_out_of_range_are_refused_with_their_value(self):
        source = self.write("run.json", json.dumps(self.run_doc))
        for flag, value in (("--conns", "0"), ("--conns", "-2"), ("--conns", "1_000"),
                            ("--conns", "257"), ("--file-size", "0"),
                            ("--file-size", "2048G"), ("--file-size", "9" * 5000)):
            message = self.assert_rejected(["all", source, "-o", self.out, flag, value],
                                           value[:12])
            self.assertLess(len(message), 700, message)

    def test_half_a_surrogate_pair(self):
        for escape in ("\\ud800", "\\udc00x", "\\ud800\\u0041"):
            bad = self.write("surrogate.json", '{"context": {"host_name": "a' + escape
                             + '"}, "benchmarks": []}')
            self.assert_rejected(["all", bad, "-o", self.out], bad, "surrogate")
        # A whole pair and an escaped backslash before "ud800" are fine.
        doc = dict(self.run_doc, context=dict(self.run_doc["context"]))
        text = json.dumps(doc).replace('"context": {', '"context": {"a": "\\ud83d\\ude00", '
                                       '"b": "\\\\ud800", ', 1)
        run = sr.load_file(self.write("pair.json", text))
        self.assertEqual(run.context["a"], "\U0001F600")
        self.assertEqual(run.context["b"], "\\ud800")

    def test_very_long_names(self):
        long_word = "tcp4" + "x" * 5000
        doc = json.loads(json.dumps(self.run_doc).replace("tcp4", long_word))
        bad = self.write("long-name.json", json.dumps(doc))
        message = self.assert_rejected(["all", bad, "-o", self.out], bad,
                                       "names are read up to 4096 bytes")
        self.assertLess(len(message), 500, "the message repeats the whole name")
        digits = json.dumps(self.run_doc).replace("conns:1", "conns:" + "1" * 5000)
        bad = self.write("long-number.json", digits)
        self.assert_rejected(["all", bad, "-o", self.out], bad, "names are read up to 4096 bytes")
        # Words at the limit are drawn; the file names stay short enough for any file system.
        doc = json.loads(json.dumps(self.run_doc))
        for entry in doc["benchmarks"]:
            for key in ("name", "run_name"):
                parts = entry[key].split("/")
                parts[:4] = [p.ljust(64, "_") for p in parts[:4]]
                entry[key] = "/".join(parts)
        source = self.write("words-at-limit.json", json.dumps(doc))
        _, written = self.assert_drawn(["all", source, "-o", self.out])
        # throughput, cpu and machines; no speed-up, as no path is called read_send.
        self.assertEqual(len(written), 6)
        self.assertTrue(all(len(p.name) < 200 for p in written), written)

    def test_very_long_context_strings(self):
        context = dict(self.run_doc["context"])
        for key in ("os", "kernel_release", "cpu_model", "cpu_count", "host_name",
                    "machine_fingerprint", "sfb_git_commit", "date"):
            context[key] = key + "x" * 100_000
        doc = dict(self.run_doc, context=context)
        doc["benchmarks"][0] = dict(doc["benchmarks"][0], error_occurred=True,
                                    error_message="e" * 100_000)
        first = self.write("a.json", json.dumps(doc))
        second = self.write("b.json", json.dumps(doc))
        # Two runs: the per-run folder is named after the fingerprint.
        _, written = self.assert_drawn(["all", first, second, "-o", self.out, "--formats", "png"])
        self.assertTrue(all(len(part) < 200 for p in written for part in p.parts), written)

    def compare_doc(self, count, name_suffix=""):
        doc = json.loads(COMPARE.read_text())
        one = doc["benchmarks"][0]
        doc["benchmarks"] = [dict(one, name=one["name"].replace("block:", f"block:{i}")
                                  + name_suffix) for i in range(count)]
        return doc

    def test_compare_with_more_than_1800_benchmarks(self):
        # Once "Image size of 960x72300 pixels is too large": now figures of at most
        # COMPARE_ROWS_PER_FIGURE rows, each well inside the limit.
        import sfb_figures as figs
        import matplotlib.pyplot as plt

        count = 1801
        comparison = sr.parse_compare(self.compare_doc(count), Path("c.json"), "real_time")
        parts = math.ceil(count / figs.COMPARE_ROWS_PER_FIGURE)
        seen = 0
        for number, total, fig in figs.compare_figures(comparison):
            self.assertEqual(total, parts)
            rows = len(fig.axes[0].get_yticks())
            seen += rows
            self.assertLessEqual(rows, figs.COMPARE_ROWS_PER_FIGURE)
            self.assertLess(fig.get_figheight() * figs.DPI, MAX_PIXELS / 4)
            self.assertTrue(any(f"part {number} of {parts}" in t.get_text() for t in fig.texts))
            plt.close(fig)
        self.assertEqual(seen, count)
        # End to end with two parts: each named, the split said on stderr.
        source = self.write("compare-big.json",
                            json.dumps(self.compare_doc(figs.COMPARE_ROWS_PER_FIGURE + 1)))
        result, written = self.assert_drawn(["compare", source, "-o", self.out, "--formats",
                                             "png"])
        self.assertEqual([p.name for p in written],
                         ["compare-real_time-part1of2.png", "compare-real_time-part2of2.png"])
        self.assertIn(f"drawn as 2 figures of at most {figs.COMPARE_ROWS_PER_FIGURE}",
                      result.stderr)

    def test_compare_with_very_long_names(self):
        doc = self.compare_doc(3, "/" + "y" * 100_000)
        doc["only_in_base"] = ["z" * 100_000]
        doc["failed"] = ["f" * 100_000]
        doc["gate"] = ["g" * 100_000]
        doc["base"] = "b" * 100_000
        source = self.write("compare-long.json", json.dumps(doc))
        _, written = self.assert_drawn(["compare", source, "-o", self.out])
        self.assertEqual(len(written), 2)

    def test_fifo_and_devices_are_not_read(self):
        fifo = self.tmp / "results.json"
        os.mkfifo(fifo)
        # Once a hang: opening a FIFO waits for a writer.
        result = run_plots("all", fifo, "-o", self.out, timeout=60)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("not a regular file", result.stderr)
        self.assert_rejected(["all", "/dev/zero", "-o", self.out], "/dev/zero",
                             "not a regular file")
        folder = self.tmp / "results"
        folder.mkdir()
        shutil.copy(ONE_RUN, folder / "run.json")
        os.mkfifo(folder / "zz.json")
        self.assert_rejected(["all", folder, "-o", self.out], folder / "zz.json",
                             "not a regular file")

    def test_oversized_file(self):
        big = self.tmp / "huge.json"
        with open(big, "wb") as handle:
            handle.truncate((256 << 20) + 1)  # sparse: no disk used
        self.assert_rejected(["all", big, "-o", self.out], big, "too large")


if __name__ == "__main__":
    unittest.main()
