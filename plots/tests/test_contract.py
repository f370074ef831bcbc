#!/usr/bin/python3
"""The plots read names, counters and the fingerprint recipe from format/contract.json:
what they draw follows the contract, and they keep no list of their own.

    /usr/bin/python3 plots/tests/test_contract.py -v
"""

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
PLOTS = HERE.parent
REPO = PLOTS.parent
PYTHON = os.environ.get("SFB_PLOTS_PYTHON", sys.executable)
GOLDEN = REPO / "format" / "golden" / "bench_sendfile-golden.json"
REAL = sorted((HERE / "data" / "real").glob("*.json"))

sys.path.insert(0, str(PLOTS))
import sfb_results as sr  # noqa: E402

CONTRACT = json.loads((REPO / "format" / "contract.json").read_text())


def bench_sendfile_outputs():
    """Real bench_sendfile output: the contract's golden file, and the plots' own fixture."""
    return [GOLDEN] + REAL


class Contract(unittest.TestCase):
    def test_lists_come_from_the_contract(self):
        self.assertEqual(sr.CONTRACT_PATH, REPO / "format" / "contract.json")
        self.assertEqual(list(sr.KNOWN_PATHS), [p["name"] for p in CONTRACT["paths"]])
        self.assertEqual(list(sr.COUNTERS), [c["name"] for c in CONTRACT["counters"]])
        for kind in ("transports", "receivers", "caches"):
            self.assertEqual(sr.CONTRACT[kind], [v["name"] for v in CONTRACT[kind]])

    def test_units_and_better_direction(self):
        for entry in CONTRACT["measures"] + CONTRACT["counters"]:
            self.assertEqual(sr.metric_unit(entry["name"]), entry["unit"])
            self.assertEqual(sr.metric_better(entry["name"]), entry["better"])
        # Another program's counter follows sfb's rule for names outside the contract.
        self.assertEqual(sr.metric_better("items_per_second"), "higher")
        self.assertEqual(sr.metric_better("allocations"), "lower")

    def test_no_list_of_names_of_their_own(self):
        """Outside the tests, a contract name appears in the plots' code only where the code
        does something with that one name (a default, an emphasis), never as a list."""
        names = ({p["name"] for p in CONTRACT["paths"]} | {c["name"] for c in CONTRACT["counters"]}
                 | {v["name"] for k in ("transports", "receivers", "caches") for v in CONTRACT[k]})
        for source in sorted(PLOTS.glob("*.py")):
            tree = ast.parse(source.read_text())
            for node in ast.walk(tree):
                if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                    items = node.keys if isinstance(node, ast.Dict) else node.elts
                    listed = {i.value for i in items
                              if isinstance(i, ast.Constant) and i.value in names}
                    self.assertLess(len(listed), 3,
                                    f"{source.name}:{node.lineno} lists {sorted(listed)}")

    def test_every_path_has_its_own_look(self):
        import sfb_figures as figs

        looks = [figs.path_look(p) for p in sr.KNOWN_PATHS]
        self.assertEqual(len(set(looks)), len(looks))

    def test_segment_columns_become_the_group(self):
        """The tidy export's segment columns (sfb's parse of the name) make the key; a segment
        the contract gains is kept apart in the group, not dropped; a result older than a
        word segment simply lacks it."""
        row = {column: None for column in sr.sfb_tidy.TIDY_COLUMNS}
        row.update(path="sendfile", transport="unix", receiver="copy", cache="cold",
                   file=8192, block=4096, conns=2)
        self.assertEqual(sr._key(row), sr.BenchKey(sr.Group("unix", "copy", "cold", 8192, 2),
                                                   "sendfile", 4096))
        self.assertIsNone(sr._key(dict(row, path=None, file=None, block=None)))
        segments = sr.CONTRACT["segments"] + [("flavour", "flavour:", "flavours")]
        with mock.patch.dict(sr.CONTRACT, segments=segments):
            key = sr._key(dict(row, flavour="mint"))
            self.assertEqual(key.group.extra[-1], ("flavour", "mint"))
            self.assertIn("flavour mint", key.group.describe())
            self.assertIn("flavourmint", key.group.slug())
            older = sr._key(dict(row, flavour=None))
            self.assertNotIn("flavour", dict(older.group.extra))
            self.assertNotEqual(older.group, key.group)

    def test_fingerprint_is_sfbs(self):
        """The fingerprint is the one sfb gives a file: its own machine_fingerprint, and for
        a file without one, the recipe sfb applies (the plots keep no copy of it)."""
        outputs = bench_sendfile_outputs()
        self.assertTrue(outputs)
        tmp = Path(tempfile.mkdtemp(prefix="sfb-plots-fingerprint-"))
        try:
            for path in outputs:
                run = sr.load_file(path)
                written = run.ctx("machine_fingerprint")
                self.assertTrue(written, path)
                self.assertEqual(run.fingerprint(), written, path)
            document = json.loads(outputs[0].read_text())
            del document["context"]["machine_fingerprint"]
            bare = tmp / "bare.json"
            bare.write_text(json.dumps(document))
            done = subprocess.run([os.environ["SFB"], "export", "--format", "tidy-jsonl",
                                   str(bare)], capture_output=True, text=True, check=True)
            expected = json.loads(done.stdout.splitlines()[0])["machine_fingerprint"]
            self.assertTrue(expected)
            self.assertEqual(sr.load_file(bare).fingerprint(), expected)
        finally:
            shutil.rmtree(tmp)

    def test_bench_sendfile_output_reads_per_the_contract(self):
        for path in bench_sendfile_outputs():
            run = sr.load_file(path)
            self.assertTrue(run.measurements, path)
            for m in run.measurements.values():
                self.assertIn(m.key.path, sr.KNOWN_PATHS)
                self.assertIn(m.key.group.transport, sr.CONTRACT["transports"])
                self.assertIn(m.key.group.receiver, sr.CONTRACT["receivers"])
                self.assertIn(m.key.group.cache, sr.CONTRACT["caches"])
                for segment, value in m.key.group.extra:
                    self.assertIn(value, sr.CONTRACT["segment_values"][segment], m.key)
                counters = [c for c in sr.COUNTERS if m.has(c)]
                self.assertIn("pass_bytes", counters, path)

    def test_the_golden_file_is_drawn(self):
        """format/golden (regenerated by format/make_golden.sh from a real run) draws."""
        out = Path(tempfile.mkdtemp(prefix="sfb-plots-golden-"))
        try:
            result = subprocess.run([PYTHON, str(PLOTS / "sfb_plots.py"), "all", str(GOLDEN),
                                     "-o", str(out), "--formats", "png"],
                                    capture_output=True, text=True, timeout=180)
            self.assertEqual(result.returncode, 0, result.stderr)
            written = result.stdout.splitlines()
            self.assertTrue(any("/throughput-" in line for line in written), written)
            for line in written:
                self.assertEqual(Path(line).read_bytes()[:8], b"\x89PNG\r\n\x1a\n", line)
        finally:
            shutil.rmtree(out)

    def test_without_the_contract_the_plots_stop_with_a_message(self):
        tmp = Path(tempfile.mkdtemp(prefix="sfb-plots-contract-"))
        try:
            shutil.copytree(PLOTS, tmp / "plots", ignore=shutil.ignore_patterns("tests"))
            (tmp / "format").mkdir()
            for text, expect in (
                (None, "No such file"),
                ("{\"name\": {}}", "KeyError"),
                ("{not json", "JSONDecodeError"),
            ):
                contract = tmp / "format" / "contract.json"
                if text is not None:
                    contract.write_text(text)
                result = subprocess.run(
                    [PYTHON, str(tmp / "plots" / "sfb_plots.py"), "all", str(REAL[0]), "-o",
                     str(tmp / "out")], capture_output=True, text=True, timeout=120)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("cannot read the format contract", result.stderr)
                self.assertIn(expect, result.stderr)
                self.assertNotIn("Traceback", result.stderr)
                self.assertFalse((tmp / "out").exists())
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
