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


DROP = object()  # as an edit's value: remove the key


def first_iteration(document, path):
    return next(b for b in document["benchmarks"]
                if b["run_type"] == "iteration" and b["name"].startswith(path + "/"))


class CheckBenchJson(unittest.TestCase):
    def setUp(self):
        self.golden = json.loads(GOLDEN.read_text())

    def refused(self, document, message):
        code, stderr = run_checker(document)
        self.assertEqual(code, 1, stderr)
        self.assertIn(message, stderr)

    def edited(self, where, key, value):
        """A copy of the golden file with `key` of `where` (the context, or else the first
        iteration entry of the path `where`) set to `value`, or deleted when value is DROP."""
        doc = copy.deepcopy(self.golden)
        target = doc["context"] if where == "context" else first_iteration(doc, where)
        if value is DROP:
            del target[key]
        else:
            target[key] = value
        return doc

    def renamed(self, old, new):
        """A copy of the golden file with `old` replaced by `new` in a sendfile entry's name."""
        doc = copy.deepcopy(self.golden)
        entry = first_iteration(doc, "sendfile")
        entry["name"] = entry["name"].replace(old, new, 1)
        return doc

    def test_golden_file_passes(self):
        code, stderr = run_checker(self.golden)
        self.assertEqual(code, 0, stderr)

    def test_each_drift_is_refused_with_a_message_naming_it(self):
        # (where, key, value, message): the zero-copy counter is only on zero-copy paths, and
        # the fingerprint must be the recipe's for the context it is written with.
        drifts = [
            ("context", "not_a_context_key", "same",
             "context key not_a_context_key is not in format/contract.json"),
            ("context", "irq_time_accounting", DROP, "context lacks the key irq_time_accounting"),
            ("sendfile", "not_a_counter", 0, "not_a_counter is not in format/contract.json"),
            ("sendfile", "receiver_cpu_us", DROP, "counter receiver_cpu_us missing"),
            ("sendfile", "softirq_us", 1.0, "softirq_us is retired"),
            ("sendfile", "service_demand_us_per_kib", DROP,
             "counter service_demand_us_per_kib missing"),
            ("sendfile", "zerocopy_copied", 1.0, "zerocopy_copied on a path that is not zero-copy"),
            ("msg_zerocopy", "zerocopy_copied", DROP, "counter zerocopy_copied missing"),
            ("context", "cpu_model", "Another CPU", "is not the recipe's"),
        ]
        for where, key, value, message in drifts:
            with self.subTest(where=where, key=key):
                self.refused(self.edited(where, key, value), message)

    def test_sampling_counters_only_with_sampling(self):
        sampled = [c["name"] for c in json.loads((ROOT / "format" / "contract.json").read_text())
                   ["counters"] if c.get("when") == "sampling"]
        if not sampled:
            self.skipTest("the contract has no sampling counters")
        doc = self.edited("context", "sampling", "off")
        first_iteration(doc, "sendfile")[sampled[0]] = 1.0
        self.refused(doc, f"{sampled[0]} in a run without sampling")
        doc = self.edited("context", "sampling", "on")
        first_iteration(doc, "sendfile").pop(sampled[0], None)
        self.refused(doc, f"counter {sampled[0]} missing")

    def test_system_cpu_counters_all_or_none(self):
        # A host without a nanosecond system-wide CPU source writes none of the counters taken
        # from it: legal, in every entry at once, never in some of them.
        system = [c["name"] for c in json.loads((ROOT / "format" / "contract.json").read_text())
                  ["counters"] if c.get("when", "").startswith("system_cpu")]
        self.assertIn("system_cpu_us", system)
        doc = copy.deepcopy(self.golden)
        for entry in doc["benchmarks"]:
            for name in system:
                entry.pop(name, None)
        code, stderr = run_checker(doc)
        self.assertEqual(code, 0, stderr)
        self.refused(self.edited("sendfile", "system_cpu_us", DROP),
                     "but not in an earlier entry")
        first_iteration(doc, "sendfile")["service_demand_us_per_kib"] = 1.0
        self.refused(doc, "service_demand_us_per_kib without system_cpu_us")

    def test_thread_counters_exactly_as_the_context_says(self):
        # The golden run recorded none (thread_counters "none: ..."): a task-clock counter in
        # it is refused; a run that says task-clock must have both threads' counters.
        self.assertTrue(self.golden["context"]["thread_counters"].startswith("none: "))
        self.refused(self.edited("sendfile", "task_clock_us", 1.0),
                     "task_clock_us in a run whose thread_counters is 'none: ")
        doc = self.edited("context", "thread_counters", "task-clock")
        first_iteration(doc, "sendfile")["task_clock_us"] = 1.0
        self.refused(doc, "counter receiver_task_clock_us missing")

    def test_instruction_clock_counters_exactly_under_the_instruction_clock(self):
        # sfb kernels writes them into every entry of a guest run under --clock instructions
        # (vm_clock "instructions"), and into no other run.
        clocked = [c["name"] for c in json.loads((ROOT / "format" / "contract.json").read_text())
                   ["counters"] if c.get("when") == "instruction_clock"]
        self.assertEqual(clocked, ["guest_instructions_per_pass", "guest_instructions_per_kib"])
        doc = self.edited("context", "vm_clock", "instructions")
        for entry in doc["benchmarks"]:
            for name in clocked:
                entry[name] = 1.0
        code, stderr = run_checker(doc)
        self.assertEqual(code, 0, stderr)
        first_iteration(doc, "sendfile").pop(clocked[1])
        self.refused(doc, f"counter {clocked[1]} missing")
        self.refused(self.edited("sendfile", clocked[0], 1.0),
                     f"{clocked[0]} in a run whose vm_clock is not instructions")
        doc = self.edited("context", "vm_clock", "wall")
        first_iteration(doc, "sendfile")[clocked[0]] = 1.0
        self.refused(doc, f"{clocked[0]} in a run whose vm_clock is not instructions")

    def test_names_off_the_grammar(self):
        self.refused(self.renamed("sendfile/", "sendfile2/"), "segment path is 'sendfile2'")
        self.refused(self.renamed("/warm/", "/"), "benchmark name does not follow the contract")

    def test_wrong_json_types_are_an_error_not_a_crash(self):
        doc = copy.deepcopy(self.golden)
        doc["benchmarks"][0]["name"] = 7
        code, stderr = run_checker(doc)
        self.assertEqual(code, 1, stderr)
        self.assertIn("check_bench_json:", stderr)


if __name__ == "__main__":
    CHECKER = sys.argv.pop(1)
    unittest.main()
