"""format/check_docs.py: results/README.md and format/contract.json agree, and each kind of
difference between them is found."""

import importlib.util
import json
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("check_docs", ROOT / "format" / "check_docs.py")
check_docs = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_docs)


class CheckDocs(unittest.TestCase):
    def setUp(self):
        self.contract = json.loads((ROOT / "format" / "contract.json").read_text())
        self.readme = (ROOT / "results" / "README.md").read_text()

    def test_the_committed_files_agree(self):
        self.assertEqual(check_docs.check(self.contract, self.readme), [])

    def test_a_counter_missing_from_the_readme(self):
        readme = "\n".join(line for line in self.readme.splitlines()
                           if not line.startswith("| `softirq_us` |"))
        problems = check_docs.check(self.contract, readme)
        self.assertEqual(problems, ["counters: softirq_us is in the contract but not in the README"])

    def test_a_context_key_missing_from_the_contract(self):
        self.contract["context_keys"] = [k for k in self.contract["context_keys"]
                                         if k["key"] != "sfb_harness_rounds"]
        problems = check_docs.check(self.contract, self.readme)
        self.assertEqual(len(problems), 1)
        self.assertIn("sfb_harness_rounds is in the README but not in the contract", problems[0])

    def test_a_new_path_not_documented(self):
        self.contract["paths"].append({"name": "not_a_path", "summary": "", "oldest_linux": "4.13",
                                       "zero_copy": False})
        problems = check_docs.check(self.contract, self.readme)
        self.assertEqual(problems, ["values of the path segment: not_a_path is in the contract "
                                    "but not in the README"])

    def test_a_new_segment_not_documented(self):
        self.contract["name"]["segments"].append({"name": "cpus", "prefix": "cpus:",
                                                  "values": "count", "meaning": ""})
        problems = check_docs.check(self.contract, self.readme)
        self.assertEqual(problems, ["name segments: cpus: is in the contract but not in the README"])

    def test_a_missing_table_is_an_error(self):
        readme = self.readme.replace("### `context`: Google Benchmark's keys", "### Renamed")
        with self.assertRaises(KeyError):
            check_docs.check(self.contract, readme)


if __name__ == "__main__":
    unittest.main()
