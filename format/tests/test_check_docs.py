"""format/check_docs.py: results/README.md and format/contract.json agree, every other README
names only the contract's context keys and counters, and each kind of difference is found."""

import importlib.util
import json
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("check_docs", ROOT / "format" / "check_docs.py")
check_docs = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_docs)


def contract_and_readme(case, readme):
    """Gives a test case the contract and the text of one README (a path under ROOT)."""
    case.contract = json.loads((ROOT / "format" / "contract.json").read_text())
    case.readme = (ROOT / readme).read_text() if readme else None


class CheckDocs(unittest.TestCase):
    def setUp(self):
        contract_and_readme(self, "results/README.md")

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


class CheckResolutions(unittest.TestCase):
    def setUp(self):
        contract_and_readme(self, "benchmarks/README.md")

    def test_the_committed_files_agree(self):
        self.assertEqual(check_docs.check_resolutions(self.contract, self.readme), [])

    def test_every_cpu_counter_has_a_source_and_a_resolution(self):
        names = [e["name"] for e in check_docs.timed_entries(self.contract)]
        for name in ("cpu_time", "receiver_cpu_us", "system_cpu_us", "softirq_us",
                     "receiver_system_cpu_us", "receiver_softirq_us",
                     "service_demand_us_per_kib", "other_cpu_us", "steal_us"):
            self.assertIn(name, names)

    def test_a_counter_without_resolution(self):
        counter = next(c for c in self.contract["counters"] if c["name"] == "system_cpu_us")
        del counter["resolution"]
        counter["source"] = " "
        self.assertEqual(check_docs.check_resolutions(self.contract, self.readme),
                         ["system_cpu_us has no source in the contract",
                          "system_cpu_us has no resolution in the contract"])

    def test_a_row_missing_from_the_table(self):
        readme = self.readme.replace(", `steal_us` |", " |")
        self.assertEqual(check_docs.check_resolutions(self.contract, readme),
                         ["sources and resolutions: steal_us is in the contract but not in the "
                          "README"])

    def test_no_table_is_an_error(self):
        readme = self.readme.replace(check_docs.RESOLUTION_HEADING, "Renamed")
        with self.assertRaises(KeyError):
            check_docs.check_resolutions(self.contract, readme)


class CheckEveryReadme(unittest.TestCase):
    def setUp(self):
        contract_and_readme(self, None)

    def test_every_readme_of_the_repository_names_only_contract_keys(self):
        readmes = check_docs.every_readme(ROOT)
        self.assertIn(ROOT / "sink" / "README.md", readmes)
        for path in readmes:
            with self.subTest(readme=str(path.relative_to(ROOT))):
                self.assertEqual(check_docs.check_names(self.contract, path.read_text()), [])

    def assert_only_unknown(self, text, name):
        self.assertEqual(check_docs.check_names(self.contract, text),
                         [f"{name} is named as a context key or counter but is not in the "
                          "contract"])

    def test_a_key_in_prose_that_the_json_does_not_have(self):
        self.assert_only_unknown("The context gains `receiver_address` and `receiver_host`.\n",
                                 "receiver_address")

    def test_a_counter_in_prose_that_the_json_does_not_have(self):
        text = "Read `receiver_cpu_us` beside `sender_wait_us`.\n"
        self.assertEqual(len(check_docs.check_names(self.contract, text)), 1)

    def test_a_key_table_in_any_readme(self):
        self.assert_only_unknown(
            "| key | value |\n|---|---|\n| `vm_accel` | kvm |\n| `vm_made_up` | x |\n",
            "vm_made_up")

    def test_prefixes_type_names_and_code_blocks_are_not_keys(self):
        text = ("Keys start with `receiver_`; the header has `transport_id`.\n"
                "```\n`receiver_in_code_block`\n```\n"
                "| option | meaning |\n|---|---|\n| `made_up` | x |\n")
        self.assertEqual(check_docs.check_names(self.contract, text), [])

    def test_the_command_line_checks_every_readme(self):
        import subprocess
        import sys
        import tempfile
        with tempfile.TemporaryDirectory() as root:
            (Path(root) / "sink").mkdir()
            (Path(root) / "sink" / "README.md").write_text("`receiver_interface`\n")
            (Path(root) / "benchmarks").mkdir()
            (Path(root) / "benchmarks" / "README.md").write_text(
                (ROOT / "benchmarks" / "README.md").read_text())
            (Path(root) / "build" / "x").mkdir(parents=True)
            (Path(root) / "build" / "x" / "README.md").write_text("`receiver_ignored`\n")
            result = subprocess.run(
                [sys.executable, str(ROOT / "format" / "check_docs.py"),
                 str(ROOT / "format" / "contract.json"), str(ROOT / "results" / "README.md"),
                 root], capture_output=True, text=True)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("receiver_interface is named", result.stderr)
        self.assertNotIn("receiver_ignored", result.stderr)


if __name__ == "__main__":
    unittest.main()
