#!/usr/bin/env python3
"""check_includes.py finds each kind of include that does not point down, and passes a tree
whose includes all do. Each case writes a small tree of its own."""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

CHECK = Path(__file__).resolve().parent / "check_includes.py"

# A tree whose includes all point down: the same part, the parts below, a file beside it.
CLEAN = {
    "common/include/sfb/unique_fd.h": "#pragma once\n",
    "core/src/backend.h": "#include <sfb/unique_fd.h>\n",
    "core/tests/foreign/support.h": '#include "../test_support.h"\n',
    "core/tests/test_support.h": "#include <sfb/unique_fd.h>\n",
    "format/include/sfb/fingerprint.h": "#include <sfb/format_contract.h>\n",
    "host/src/cpu_meter.h": "#include <cstdint>\n#include <sfb/fingerprint.h>\n",
    "sink/protocol/protocol.h": "#pragma once\n",
    "benchmarks/src/remote_receiver.h": '#include "cpu_meter.h"\n#include "protocol.h"\n',
    "sink/src/sink_server.cpp": '#include "cpu_meter.h"\n#include "protocol.h"\n',
    "sink/tests/sink_test.cpp": '#include "remote_receiver.h"\n',
    "harness/src/run_quality.cpp": '#include "cpu_meter.h"\n',
}


def run(files):
    with tempfile.TemporaryDirectory() as root:
        for name, text in files.items():
            path = Path(root) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        result = subprocess.run([sys.executable, str(CHECK), root], capture_output=True,
                                text=True, check=False)
        return result.returncode, result.stdout + result.stderr


class CheckIncludes(unittest.TestCase):
    def test_clean_tree_passes(self):
        status, output = run(CLEAN)
        self.assertEqual(status, 0, output)

    def assert_refused(self, changes, message):
        status, output = run(CLEAN | changes)
        self.assertEqual(status, 1, output)
        self.assertIn(message, output)

    def test_include_of_a_higher_part_fails(self):
        self.assert_refused({"host/src/placement.cpp": '#include "remote_receiver.h"\n'},
                            "host includes benchmarks, a part above it")

    def test_include_of_a_higher_sfb_header_fails(self):
        self.assert_refused({"core/src/linux.cpp": "#include <sfb/fingerprint.h>\n"},
                            "core includes format, a part above it")

    def test_parts_side_by_side_fail(self):
        self.assert_refused({"benchmarks/src/options.cpp": '#include "sink_server.h"\n',
                             "sink/src/sink_server.h": "#pragma once\n"},
                            "benchmarks includes sink, a part beside it")

    def test_include_of_no_file_fails(self):
        self.assert_refused({"host/src/net_info.cpp": '#include "gone.h"\n'},
                            "names no file of the repository")

    def test_no_sources_is_an_error(self):
        status, _ = run({"README.md": "nothing to check\n"})
        self.assertEqual(status, 2)


if __name__ == "__main__":
    unittest.main()
