#!/usr/bin/python3
"""Tests of plots/sfb_plots.py: parsing, every figure rendered from the fixtures, bad input.

Run with the interpreter that has matplotlib (CTest passes it as SFB_PLOTS_PYTHON):

    /usr/bin/python3 plots/tests/test_sfb_plots.py -v [ResultParsing|Rendering|BadInput]

The fixtures under data/ are described in data/README.md. No test asserts a speed.
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from unittest import mock
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLOTS = HERE.parent
DATA = HERE / "data"
SCRIPT = PLOTS / "sfb_plots.py"
PYTHON = os.environ.get("SFB_PLOTS_PYTHON", sys.executable)
SYNTHETIC = DATA / "synthetic"
COMPARE = DATA / "compare"

sys.path.insert(0, str(PLOTS))
import sfb_results as sr  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CURRENT_UMASK = os.umask(0)
os.umask(CURRENT_UMASK)
MIN_IMAGE_BYTES = 8000


def fixture_files():
    return sorted(SYNTHETIC.rglob("*.json")) + sorted((DATA / "real").rglob("*.json"))


def run_plots(*args):
    return subprocess.run([PYTHON, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True, timeout=180)


def check_png(test, path: Path):
    data = path.read_bytes()
    test.assertGreater(len(data), MIN_IMAGE_BYTES, f"{path}: suspiciously small PNG")
    test.assertEqual(data[:8], PNG_SIGNATURE, f"{path}: no PNG signature")
    length, kind = struct.unpack(">I4s", data[8:16])
    test.assertEqual((length, kind), (13, b"IHDR"), f"{path}: first chunk is not IHDR")
    width, height = struct.unpack(">II", data[16:24])
    test.assertGreater(width, 400, f"{path}: width {width}")
    test.assertGreater(height, 250, f"{path}: height {height}")
    test.assertEqual(data[-8:-4], b"IEND", f"{path}: PNG does not end with IEND")


def check_svg(test, path: Path):
    test.assertGreater(path.stat().st_size, MIN_IMAGE_BYTES, f"{path}: suspiciously small SVG")
    root = ET.parse(path).getroot()
    test.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg", f"{path}: root is {root.tag}")
    test.assertTrue(root.get("width") and root.get("height"), f"{path}: no size")
    # Enough drawing in it to be a figure rather than an empty canvas.
    test.assertGreater(sum(1 for _ in root.iter("{http://www.w3.org/2000/svg}path")), 20)


def scratch_folder(test, prefix: str) -> Path:
    """A new folder that is removed with all it holds when `test` ends."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    test.addCleanup(shutil.rmtree, folder)
    return folder


def images_under(folder: Path):
    return sorted(p for p in folder.rglob("*") if p.is_file())


class ResultParsing(unittest.TestCase):
    def test_matplotlib_is_importable(self):
        probe = subprocess.run([PYTHON, "-c", "import matplotlib"], capture_output=True,
                               text=True)
        self.assertEqual(probe.returncode, 0,
                         f"{PYTHON} cannot import matplotlib: install python3-matplotlib "
                         f"(./bootstrap.sh --deps-only)\n{probe.stderr}")

    def test_name_segments_come_from_sfb(self):
        run = self._load(self._document())
        key = next(iter(run.measurements))
        self.assertEqual(key.path, "sendfile")
        self.assertEqual(key.block_bytes, 65536)
        self.assertEqual(key.group, sr.Group("tcp4", "discard", "warm", 1048576, 1))

    def test_sizes(self):
        self.assertEqual(sr.format_bytes(4096), "4 KiB")
        self.assertEqual(sr.format_bytes(64 << 20), "64 MiB")
        self.assertEqual(sr.format_bytes(1 << 30), "1 GiB")
        self.assertEqual(sr.format_bytes(1000), "1000 B")
        self.assertEqual(sr.format_bytes(1536), "1.5 KiB")
        for text, value in (("65536", 65536), ("64KiB", 65536), ("64k", 65536),
                            ("1 MiB", 1 << 20), ("2G", 2 << 30)):
            self.assertEqual(sr.parse_size(text), value, text)
        with self.assertRaises(ValueError):
            sr.parse_size("64 parsecs")

    def test_fixture_repetitions_are_kept(self):
        run = sr.load_file(next(SYNTHETIC.rglob("*2cpu/*.json")))
        key = sr.BenchKey(sr.Group("tcp4", "discard", "warm", 8 << 20, 1), "sendfile", 65536)
        m = run.measurements[key]
        self.assertEqual(m.source, "iterations")
        self.assertEqual(m.repetitions(), 3)
        self.assertLessEqual(m.low("mb_per_s"), m.median("mb_per_s"))
        self.assertLessEqual(m.median("mb_per_s"), m.high("mb_per_s"))
        self.assertTrue(m.has("service_demand_us_per_kib"))
        self.assertEqual([name for name, _ in run.failed],
                         ["io_uring_send/tcp4/discard/warm/file:8388608/block:65536/conns:1"
                          "/real_time"])

    def _document(self, **entry_fields):
        entry = {"name": "sendfile/tcp4/discard/warm/file:1048576/block:65536/conns:1/real_time",
                 "run_type": "iteration", "real_time": 250.0, "cpu_time": 100.0,
                 "time_unit": "us", "bytes_per_second": 4.0e9}
        entry.update(entry_fields)
        return {"context": {"kernel_release": "6.1.0"}, "benchmarks": [entry]}

    def _load(self, document, name="x.json"):
        path = scratch_folder(self, "sfb-plots-parse-") / name
        path.write_text(json.dumps(document))
        return sr.load_file(path)

    def test_time_units_become_microseconds(self):
        run = self._load(self._document(real_time=2.5e5, cpu_time=1e5, time_unit="ns"))
        m = next(iter(run.measurements.values()))
        self.assertAlmostEqual(m.median("real_us"), 250.0)
        self.assertAlmostEqual(m.median("cpu_us"), 100.0)
        self.assertAlmostEqual(m.median("mb_per_s"), 4000.0)
        self.assertEqual(m.values("real_us"), [250.0])

    def test_medians_and_intervals_are_sfbs(self):
        """Every median and interval drawn is the tidy export's median row."""
        path = next(SYNTHETIC.rglob("*2cpu/*.json"))
        rows = sr.sfb_tidy.tidy_rows([str(path)])
        run = sr.runs_from_rows(rows)[0]
        checked = 0
        for row in rows:
            if row["record"] != "median" or row["metric"] != "real_time" or not row["path"]:
                continue
            m = run.measurements[sr._key(row)]
            self.assertEqual(m.median("real_us"), row["value"])
            self.assertEqual(m.low("real_us"),
                             row["value"] if row["ci_low"] is None else row["ci_low"])
            self.assertEqual(m.repetitions(), row["n"])
            checked += 1
        self.assertGreater(checked, 0)

    def test_tidy_files_read_as_sfb_wrote_them(self):
        """A tidy export saved as .jsonl or .csv gives the same runs as the result itself."""
        path = next(SYNTHETIC.rglob("*2cpu/*.json"))
        folder = scratch_folder(self, "sfb-plots-tidy-")
        direct = sr.load_file(path)
        for fmt, suffix in (("tidy-jsonl", ".jsonl"), ("tidy-csv", ".csv")):
            saved = folder / f"run{suffix}"
            subprocess.run([os.environ["SFB"], "export", "--format", fmt, "--output",
                            str(saved), str(path)], check=True)
            run = sr.load_file(saved)
            self.assertEqual(run.fingerprint(), direct.fingerprint(), fmt)
            self.assertEqual(run.failed, direct.failed, fmt)
            self.assertEqual(set(run.measurements), set(direct.measurements), fmt)
            for key, m in direct.measurements.items():
                self.assertEqual(run.measurements[key].medians, m.medians, fmt)
                self.assertEqual(run.measurements[key].samples, m.samples, fmt)
        bad = folder / "bad.csv"
        bad.write_text("a,b\n1,2\n")
        with self.assertRaises(sr.InputError) as caught:
            sr.load_file(bad)
        self.assertIn("not a row of sfb's tidy export", str(caught.exception))

    def test_finding_sfb(self):
        with self.assertRaises(sr.InputError) as caught:
            sr.sfb_tidy.find_sfb("/nonexistent/sfb")
        self.assertIn("not an executable file", str(caught.exception))
        self.assertEqual(sr.sfb_tidy.find_sfb(os.environ["SFB"]), os.environ["SFB"])
        with mock.patch.dict(os.environ, {"SFB": ""}), \
                mock.patch("shutil.which", return_value=None), \
                mock.patch.object(sr.sfb_tidy, "BUILT_SFB", ("no/such/sfb",)):
            with self.assertRaises(sr.InputError) as caught:
                sr.sfb_tidy.find_sfb(None)
        self.assertIn("cannot find sfb", str(caught.exception))
        missing = run_plots("all", next(SYNTHETIC.rglob("*2cpu/*.json")), "-o",
                            scratch_folder(self, "sfb-plots-nosfb-") / "out", "--sfb",
                            "/nonexistent/sfb")
        self.assertEqual(missing.returncode, 2)
        self.assertIn("--sfb /nonexistent/sfb: not an executable file", missing.stderr)
        self.assertNotIn("Traceback", missing.stderr)

    def test_bad_fields_are_sfbs_message(self):
        for fields in ({"time_unit": "fortnights"}, {"real_time": "fast"},
                       {"cpu_time": None}):
            with self.assertRaises(sr.InputError) as caught:
                self._load(self._document(**fields), "odd.json")
            self.assertIn("sfb export: ", str(caught.exception))
            self.assertIn("odd.json", str(caught.exception))

    def test_compare_output_of_the_harness(self):
        c = sr.load_compare(COMPARE / "synthetic-compare.json", "real_time")
        self.assertEqual([r.verdict for r in c.rows],
                         ["unchanged", "regression", "improvement", "unchanged"])
        self.assertEqual(c.rows[1].outcome, "worse")
        self.assertAlmostEqual(c.rows[1].change, 1262 / 1140 - 1)
        self.assertEqual(len(c.only_base), 1)
        self.assertFalse(c.higher_is_better())
        self.assertTrue(sr.load_compare(COMPARE / "synthetic-compare.json",
                                        "bytes_per_second").higher_is_better())

    def test_real_compare_output(self):
        c = sr.load_compare(COMPARE / "real-compare.json", "cpu_time")
        self.assertEqual(c.correction, "holm")
        verdicts = {r.name.split("/")[0] + r.name.split("/")[5]: r.verdict for r in c.rows}
        self.assertEqual(verdicts["sendfileblock:65536"], "regression")
        self.assertEqual(verdicts["sendfileblock:1048576"], "regression")
        self.assertEqual(verdicts["spliceblock:65536"], "unchanged")
        doc = json.loads((COMPARE / "real-compare.json").read_text())
        # The p-value drawn is the one the verdict used: Holm-adjusted.
        self.assertEqual(c.rows[0].p_value, doc["benchmarks"][0]["metrics"]["cpu_time"]["p_gate"])

    def test_newest_run_per_machine(self):
        sys.path.insert(0, str(PLOTS))
        import sfb_plots

        runs = sr.load_runs([str(SYNTHETIC)])
        older = sr.Run(Path("old.json"), dict(runs[0].context, date="2020-01-01T00:00:00+00:00"),
                       runs[0].measurements, [], runs[0].machine_fingerprint)
        chosen = sfb_plots.newest_per_machine([older] + runs)
        self.assertEqual(len(chosen), 2)
        self.assertNotIn(older, chosen)


class Rendering(unittest.TestCase):
    def setUp(self):
        self.out = scratch_folder(self, "sfb-plots-test-")

    def assert_rendered(self, result, expected_stems):
        self.assertEqual(result.returncode, 0, result.stderr)
        written = [Path(line) for line in result.stdout.splitlines()]
        for stem in expected_stems:
            for ext in ("png", "svg"):
                self.assertIn(self.out / f"{stem}.{ext}", written)
        for path in written:
            self.assertTrue(path.is_file(), path)
            (check_png if path.suffix == ".png" else check_svg)(self, path)
        for path in written:
            self.assertEqual(path.stat().st_mode & 0o777, 0o666 & ~CURRENT_UMASK, path)
        # Nothing else, in particular no temporary file, is left in the folder.
        self.assertEqual(images_under(self.out), sorted(written))
        return written

    def test_every_figure_from_one_result_file(self):
        source = next(SYNTHETIC.rglob("*2cpu/*.json"))
        groups = ("tcp4-copy-warm-8MiB-1conn", "tcp4-discard-warm-8MiB-1conn")
        stems = [f"{fig}-{g}" for fig in ("throughput", "cpu", "speedup", "machines")
                 for g in groups]
        written = self.assert_rendered(run_plots("all", source, "--output", self.out), stems)
        self.assertEqual(len(written), 16)

    def test_each_subcommand_from_a_folder_of_runs(self):
        for figure in ("throughput", "cpu", "speedup"):
            out = self.out / figure
            result = run_plots(figure, SYNTHETIC, "-o", out, "--receiver", "discard")
            self.assertEqual(result.returncode, 0, result.stderr)
            written = [Path(p) for p in result.stdout.splitlines()]
            # Two machines, one discard group each, PNG and SVG: each run gets its own folder.
            self.assertEqual(len(written), 4, written)
            self.assertEqual(len({p.parent for p in written}), 2)
            for path in written:
                (check_png if path.suffix == ".png" else check_svg)(self, path)

    def test_other_shapes_of_input(self):
        """One block size (bars instead of lines), one repetition only; aggregates only is
        refused by sfb, whose message the user sees."""
        doc = json.loads(next(SYNTHETIC.rglob("*2cpu/*.json")).read_text())
        shapes = {
            "one-block": lambda b: "/block:65536/" in b["name"],
            "one-repetition": lambda b: (b.get("run_type") == "iteration"
                                         and b.get("repetition_index") == 0),
        }
        for shape, keep in shapes.items():
            source = self.out / f"{shape}.json"
            source.write_text(json.dumps(dict(doc, benchmarks=[
                b for b in doc["benchmarks"] if keep(b)])))
            result = run_plots("all", source, "-o", self.out / shape, "--receiver", "discard")
            self.assertEqual(result.returncode, 0, f"{shape}: {result.stderr}")
            written = [Path(p) for p in result.stdout.splitlines()]
            self.assertEqual(len(written), 8, f"{shape}: {written}")
            for path in written:
                (check_png if path.suffix == ".png" else check_svg)(self, path)
        source = self.out / "aggregates-only.json"
        source.write_text(json.dumps(dict(doc, benchmarks=[
            b for b in doc["benchmarks"] if b.get("run_type") == "aggregate"])))
        refused = run_plots("all", source, "-o", self.out / "aggregates-only")
        self.assertEqual(refused.returncode, 2)
        self.assertIn(f"sfb export: {source}: holds only aggregates", refused.stderr)
        self.assertNotIn("Traceback", refused.stderr)

    def test_machines_side_by_side(self):
        result = run_plots("machines", SYNTHETIC, "-o", self.out, "--receiver", "discard",
                           "--path", "read_send,sendfile", "--path", "splice")
        self.assert_rendered(result, ["machines-tcp4-discard-warm-8MiB-1conn"])

    def test_compare_figure(self):
        for source in ("synthetic-compare.json", "real-compare.json"):
            for metric in ("real_time", "cpu_time", "bytes_per_second"):
                out = self.out / source / metric
                result = run_plots("compare", COMPARE / source, "-o", out, "--metric", metric)
                self.assertEqual(result.returncode, 0, result.stderr)
                written = [Path(p) for p in result.stdout.splitlines()]
                self.assertEqual(written, [out / f"compare-{metric}.{ext}"
                                           for ext in ("png", "svg")])
                for path in written:
                    (check_png if path.suffix == ".png" else check_svg)(self, path)

    def test_real_bench_sendfile_output(self):
        """The parser against what bench_sendfile really writes (see data/README.md)."""
        real = sorted((DATA / "real").rglob("*.json"))
        self.assertTrue(real, "the real bench_sendfile fixture is missing from data/real")
        for path in real:
            run = sr.load_file(path)
            self.assertTrue(run.measurements, path)
            for key in ("machine_fingerprint", "kernel_release", "cpu_model", "os"):
                self.assertTrue(run.ctx(key), f"{path}: context key {key} missing")
            for m in run.measurements.values():
                self.assertEqual(m.source, "iterations")
                self.assertGreater(m.repetitions(), 1)
                for metric in ("mb_per_s", "cpu_us", "service_demand_us_per_kib",
                               "syscalls_per_pass", "pass_bytes"):
                    self.assertTrue(m.has(metric), f"{path}: {m.key}: no {metric}")
            result = run_plots("all", path, "-o", self.out / path.stem, "--log-y")
            self.assertEqual(result.returncode, 0, result.stderr)
            for written in result.stdout.splitlines():
                written = Path(written)
                (check_png if written.suffix == ".png" else check_svg)(self, written)

    def test_svg_is_deterministic(self):
        source = next(SYNTHETIC.rglob("*2cpu/*.json"))
        for out in ("a", "b"):
            result = run_plots("throughput", source, "-o", self.out / out, "--formats", "svg",
                               "--receiver", "discard")
            self.assertEqual(result.returncode, 0, result.stderr)
        name = "throughput-tcp4-discard-warm-8MiB-1conn.svg"
        first = (self.out / "a" / name).read_bytes()
        self.assertEqual(first, (self.out / "b" / name).read_bytes())
        self.assertNotIn(b"<dc:date>", first)

    def test_help_lists_every_figure(self):
        result = run_plots("--help")
        self.assertEqual(result.returncode, 0)
        for figure in ("throughput", "cpu", "speedup", "machines", "compare", "all"):
            self.assertIn(figure, result.stdout)


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_folder(self, "sfb-plots-bad-")
        self.out = self.tmp / "out"
        self.out.mkdir()

    def write(self, name, text):
        path = self.tmp / name
        path.write_text(text)
        return path

    def assert_rejected(self, args, must_mention, code=2):
        result = run_plots(*args)
        self.assertEqual(result.returncode, code, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertIn("error:", result.stderr)
        self.assertIn(str(must_mention), result.stderr)
        # One clear message, not a traceback.
        self.assertNotIn("Traceback", result.stderr)
        self.assertEqual(images_under(self.out), [], "an image was left behind")
        return result.stderr

    def test_empty_file(self):
        bad = self.write("empty.json", "")
        self.assertIn("the file is empty", self.assert_rejected(["all", bad, "-o", self.out],
                                                                  bad))

    def test_malformed_json(self):
        bad = self.write("broken.json", '{"context": {}, "benchmarks": [')
        self.assertIn("malformed JSON", self.assert_rejected(["throughput", bad, "-o", self.out],
                                                             bad))

    def test_json_that_is_not_benchmark_output(self):
        for text in ('{"hello": "world"}', "[1, 2, 3]", '{"benchmarks": {}}', "42"):
            bad = self.write("other.json", text)
            message = self.assert_rejected(["cpu", bad, "-o", self.out], bad)
            self.assertIn("not Google Benchmark output", message)

    def test_benchmark_json_of_another_program(self):
        doc = {"context": {}, "benchmarks": [{"name": "BM_memcpy/8", "run_type": "iteration",
                                              "real_time": 1.0, "cpu_time": 1.0,
                                              "time_unit": "ns"}]}
        bad = self.write("memcpy.json", json.dumps(doc))
        message = self.assert_rejected(["all", bad, "-o", self.out], bad)
        self.assertIn("no sendfile-bench results", message)

    def test_not_utf8(self):
        bad = self.tmp / "binary.json"
        bad.write_bytes(b"\xff\xfe\x00garbage")
        self.assert_rejected(["all", bad, "-o", self.out], bad)

    def test_one_bad_file_in_a_folder_writes_nothing(self):
        folder = self.tmp / "results"
        shutil.copytree(SYNTHETIC, folder)
        bad = folder / "zz-truncated.json"
        whole = next(SYNTHETIC.rglob("*2cpu/*.json")).read_text()
        bad.write_text(whole[: len(whole) // 2])
        self.assert_rejected(["all", folder, "-o", self.out], bad)

    def test_no_benchmark_matches_the_filter(self):
        source = next(SYNTHETIC.rglob("*2cpu/*.json"))
        message = self.assert_rejected(["throughput", source, "-o", self.out, "--transport",
                                        "unix"], source)
        self.assertIn("--transport=unix", message)

    def test_missing_file_and_empty_folder(self):
        self.assert_rejected(["all", self.tmp / "nope.json", "-o", self.out], "nope.json")
        empty = self.tmp / "empty-folder"
        empty.mkdir()
        self.assert_rejected(["all", empty, "-o", self.out], empty)

    def test_speedup_without_the_baseline(self):
        # The speed-ups are sfb's ratios over read_send: none without read_send.
        doc = json.loads(next(SYNTHETIC.rglob("*2cpu/*.json")).read_text())
        doc["benchmarks"] = [b for b in doc["benchmarks"]
                             if not b["name"].startswith("read_send/")]
        source = self.write("no-read-send.json", json.dumps(doc))
        message = self.assert_rejected(["speedup", source, "-o", self.out], source)
        self.assertIn("needs read_send and at least one other path", message)
        # There is no other baseline to choose.
        source = next(SYNTHETIC.rglob("*2cpu/*.json"))
        self.assert_rejected(["speedup", source, "-o", self.out, "--baseline", "io_uring_splice"],
                             "--baseline")

    def test_compare_input_that_is_not_compare_output(self):
        result_file = next(SYNTHETIC.rglob("*2cpu/*.json"))
        self.assert_rejected(["compare", result_file, "-o", self.out], result_file)
        empty = self.write("empty-compare.json", "  \n")
        self.assert_rejected(["compare", empty, "-o", self.out], empty)
        doc = json.loads((COMPARE / "synthetic-compare.json").read_text())
        for item in doc["benchmarks"]:
            del item["metrics"]["real_time"]
        no_metric = self.write("compare.json", json.dumps(doc))
        message = self.assert_rejected(["compare", no_metric, "-o", self.out], no_metric)
        self.assertIn("real_time", message)
        doc["benchmarks"][0]["metrics"]["real_time"] = {"base_median": "slow"}
        bad_field = self.write("compare-bad-field.json", json.dumps(doc))
        self.assert_rejected(["compare", bad_field, "-o", self.out], bad_field)

    def test_unwritable_output_leaves_nothing(self):
        source = next(SYNTHETIC.rglob("*2cpu/*.json"))
        blocker = self.out / "not-a-folder"
        blocker.write_text("a file where the output folder should be")
        result = run_plots("all", source, "-o", blocker / "figures")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("cannot write figures", result.stderr)
        self.assertEqual(images_under(self.out), [blocker])

    def test_without_matplotlib(self):
        source = next(SYNTHETIC.rglob("*2cpu/*.json"))
        # None in sys.modules makes the import fail as if the package were not installed.
        hide = ("import runpy, sys; sys.modules['matplotlib'] = None; "
                f"sys.argv = ['sfb_plots.py', 'all', {str(source)!r}, '-o', {str(self.out)!r}]; "
                f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
        result = subprocess.run([PYTHON, "-c", hide], capture_output=True, text=True,
                                timeout=120)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("python3-matplotlib", result.stderr)
        self.assertEqual(images_under(self.out), [])

    def test_usage_errors(self):
        source = next(SYNTHETIC.rglob("*2cpu/*.json"))
        self.assert_rejected(["all", source, "-o", self.out, "--formats", "gif"], "--formats")
        self.assert_rejected(["all", source, "-o", self.out, "--file-size", "big"], "big")
        self.assert_rejected(["sparkline", source, "-o", self.out], "sparkline")


if __name__ == "__main__":
    unittest.main()
