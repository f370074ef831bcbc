"""check_bench_json against the contract: the golden file passes, and each kind of drift from
format/contract.json in a copy of it is refused with exit status 1 and a message naming it.

    test_check_bench_json.py CHECK_BENCH_JSON [unittest arguments]
"""

import copy
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "format" / "golden" / "bench_sendfile-golden.json"
CHECKER = None


def run_checker(document):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result.json"
        path.write_text(json.dumps(document, indent=2))
        done = subprocess.run([CHECKER, str(path)], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr


class CheckBenchJson(unittest.TestCase):
    def setUp(self):
        self.golden = json.loads(GOLDEN.read_text())

    def refused(self, document, message):
        code, stderr = run_checker(document)
        self.assertEqual(code, 1, stderr)
        self.assertIn(message, stderr)

    def first_iteration(self, document, path):
        return next(b for b in document["benchmarks"]
                    if b["run_type"] == "iteration" and b["name"].startswith(path + "/"))

    def test_golden_file_passes(self):
        code, stderr = run_checker(self.golden)
        self.assertEqual(code, 0, stderr)

    def test_context_key_not_in_contract(self):
        doc = copy.deepcopy(self.golden)
        doc["context"]["not_a_context_key"] = "same"
        self.refused(doc, "context key not_a_context_key is not in format/contract.json")

    def test_suite_context_key_missing(self):
        doc = copy.deepcopy(self.golden)
        del doc["context"]["irq_time_accounting"]
        self.refused(doc, "context lacks the key irq_time_accounting")

    def test_counter_not_in_contract(self):
        doc = copy.deepcopy(self.golden)
        self.first_iteration(doc, "sendfile")["not_a_counter"] = 0
        self.refused(doc, "not_a_counter is not in format/contract.json")

    def test_counter_missing(self):
        doc = copy.deepcopy(self.golden)
        del self.first_iteration(doc, "sendfile")["softirq_us"]
        self.refused(doc, "counter softirq_us missing")

    def test_zero_copy_counter_only_on_zero_copy_paths(self):
        doc = copy.deepcopy(self.golden)
        self.first_iteration(doc, "sendfile")["zerocopy_copied"] = 1.0
        self.refused(doc, "zerocopy_copied on a path that is not zero-copy")
        doc = copy.deepcopy(self.golden)
        del self.first_iteration(doc, "msg_zerocopy")["zerocopy_copied"]
        self.refused(doc, "counter zerocopy_copied missing")

    def test_sampling_counters_only_with_sampling(self):
        doc = copy.deepcopy(self.golden)
        sampled = [c["name"] for c in json.loads((ROOT / "format" / "contract.json").read_text())
                   ["counters"] if c.get("when") == "sampling"]
        if not sampled:
            self.skipTest("the contract has no sampling counters")
        doc["context"]["sampling"] = "off"
        self.first_iteration(doc, "sendfile")[sampled[0]] = 1.0
        self.refused(doc, f"{sampled[0]} in a run without sampling")
        doc = copy.deepcopy(self.golden)
        doc["context"]["sampling"] = "on"
        self.first_iteration(doc, "sendfile").pop(sampled[0], None)
        self.refused(doc, f"counter {sampled[0]} missing")

    def test_name_with_a_path_not_in_contract(self):
        doc = copy.deepcopy(self.golden)
        entry = self.first_iteration(doc, "sendfile")
        entry["name"] = entry["name"].replace("sendfile/", "sendfile2/", 1)
        self.refused(doc, "segment path is 'sendfile2'")

    def test_name_without_a_segment(self):
        doc = copy.deepcopy(self.golden)
        entry = self.first_iteration(doc, "sendfile")
        entry["name"] = entry["name"].replace("/warm/", "/", 1)
        self.refused(doc, "benchmark name does not follow the contract")

    def test_fingerprint_not_by_the_recipe(self):
        doc = copy.deepcopy(self.golden)
        doc["context"]["cpu_model"] = "Another CPU"
        self.refused(doc, "is not the recipe's")

    def test_wrong_json_types_are_an_error_not_a_crash(self):
        doc = copy.deepcopy(self.golden)
        doc["benchmarks"][0]["name"] = 7
        code, stderr = run_checker(doc)
        self.assertEqual(code, 1, stderr)
        self.assertIn("check_bench_json:", stderr)


if __name__ == "__main__":
    CHECKER = sys.argv.pop(1)
    unittest.main()
