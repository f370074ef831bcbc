#!/usr/bin/env bash
# ctest vm.other_os_script: vm/other_os.sh, which the macOS and FreeBSD workflow runs, works
# here on Linux against this (already built) build tree: the core step runs the named core
# test and passes, the suite step writes a Google Benchmark JSON and a report, and bad usage
# exits 2.
#   other_os_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
source_dir=$1
build=$2
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh" other-os
script=$source_dir/vm/other_os.sh

bash "$script" core --build "$build" --tests '^core\.c_abi$' --no-build >"$work/core.log" 2>&1 ||
    fail "core step exited $?: $(tail -n 20 "$work/core.log")"
grep -q '100% tests passed' "$work/core.log" || fail "core step ran no passing test"

bash "$script" suite --build "$build" --output "$work/out" --no-build >"$work/suite.log" 2>&1 ||
    fail "suite step exited $?: $(tail -n 20 "$work/suite.log")"
json=$(find "$work/out" -name 'run-Linux-*.json')
[ -n "$json" ] || fail "no run-Linux-*.json written"
python3 - "$json" <<'EOF' || fail "the suite's JSON is wrong"
import json, sys
doc = json.load(open(sys.argv[1]))
rows = [b for b in doc["benchmarks"] if b.get("run_type") == "iteration"]
paths = {b["name"].split("/")[0] for b in rows}
assert paths == {"read_send", "sendfile"}, paths
# Six per placement (the default plan runs same, and split where there are two CPUs).
placements = {b["name"].split("/placement:")[1].split("/")[0] for b in rows}
assert len(rows) == 6 * len(placements), (len(rows), placements)
assert not any(b.get("error_occurred") for b in rows)
EOF
grep -q 'sendfile' "$work/out/report.txt" || fail "no report"

bash "$script" nonsense >/dev/null 2>&1
[ $? = 2 ] || fail "bad usage did not exit 2"
echo "ok"
