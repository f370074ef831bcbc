#!/usr/bin/env bash
# ctest vm.accelerator_labels: results of sfb kernels' TCG guests are marked, and never gated
# against another accelerator. A real bench_sendfile output (the format's golden file) plays
# the bare machine, a copy labelled vm_accel=tcg the guest.
#   accel_labels_test.sh SFB GOLDEN_JSON
set -uo pipefail
sfb=$1
golden=$2
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh" accel
mkdir -p "$work/host" "$work/guest"
# Three copies a side: enough repetitions for the test to be able to gate at all.
python3 - "$golden" "$work" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for i in range(3):
    json.dump(doc, open(f"{sys.argv[2]}/host/run{i}.json", "w"))
doc["context"]["vm_accel"] = "tcg"
doc["context"]["kernel_release"] = "6.1.0-57-cloud-amd64"
doc["context"]["machine_fingerprint"] = "linux-6-1-0-57-cloud-amd64-qemu-tcg-cpu-version-2-5-2cpu"
for i in range(3):
    json.dump(doc, open(f"{sys.argv[2]}/guest/run{i}.json", "w"))
PY

"$sfb" compare "$work/host" "$work/guest" >"$work/out" 2>"$work/err"
code=$?
[ "$code" = 2 ] || fail "a gate across accelerators exited $code, expected 2: $(cat "$work/err")"
grep -q "no gate is computed across accelerators" "$work/err" || fail "no reason given: $(cat "$work/err")"
grep -q "tcg" "$work/err" || fail "the accelerators are not named: $(cat "$work/err")"

"$sfb" compare --no-test "$work/host" "$work/guest" >"$work/out" 2>&1 ||
    fail "compare --no-test across accelerators exited $?"
grep -q "measured under qemu's TCG" "$work/out" || fail "the TCG side is not marked"

# The two result folders, not $work, which holds this test's own out and err files (a report
# over those would name them as unread and exit 4).
"$sfb" report "$work/host" "$work/guest" >"$work/out" 2>&1 || fail "report exited $?"
grep -q "VM under TCG" "$work/out" || fail "report does not mark the TCG guest"
[ "$(grep -c "VM under" "$work/out")" = 1 ] || fail "report marks the bare machine as a VM"
echo "ok"
