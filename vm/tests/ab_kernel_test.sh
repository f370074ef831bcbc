#!/usr/bin/env bash
# ctest vm.ab_kernel: `sfb ab --kernel SPEC` without booting anything.
#   ab_kernel_test.sh VM_SCRIPT SFB GOLDEN_JSON
# - Refused before any boot (exit 2, named): a guest option (--clock, --cpus, ...) without
#   --kernel; --clock instructions with --accel kvm; a bad --clock.
# - With a stand-in VM script: sfb ab passes both programs by absolute path (--ab), its own
#   options to the guest's sfb ab (--ab-option), the instruction clock's default threshold of
#   1% unless --threshold is given, 1 vCPU under the instruction clock unless --cpus is given;
#   it never passes the files the host writes. It prints the guest's answer, returns the
#   guest's exit code (0, 1), writes --save-base/--save-candidate labelled with the guest (vm_clock,
#   guest_instructions_per_pass) and --save-comparison, appends --summary; a guest usage error
#   is exit 2 and a failed guest exit 3.
# - sfb compare of two instruction-clock results labels times kinstr and rates MB/Ginstr, in
#   text and JSON, never us or MB/s.
# - vm/sfb-vm.sh's dry run with --ab stages a #! wrapper with the ELF program it names by
#   absolute path and that program's libraries; a file that is neither is refused (exit 2).
set -uo pipefail
script=$1
sfb=$2
golden=$3
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh" ab-kernel
build=$stub_build

bench=$build/benchmarks/bench_sendfile
cd "$work" || fail "no work folder"

# --- refused before any boot --------------------------------------------------------------------
expect 2 "--clock shapes a guest: it needs --kernel SPEC" \
    "$sfb" ab --base "$bench" --candidate "$bench" --clock instructions
expect 2 "--cpus shapes a guest: it needs --kernel SPEC" \
    "$sfb" ab --base "$bench" --candidate "$bench" --cpus 2
expect 2 "--clock instructions needs qemu's TCG emulator" \
    "$sfb" ab --kernel x --base "$bench" --candidate "$bench" --build "$build" \
    --clock instructions --accel kvm
expect 2 "--clock: \"cycles\" is not wall or instructions" \
    "$sfb" ab --kernel x --base "$bench" --candidate "$bench" --build "$build" --clock cycles

# --- a stand-in VM script -------------------------------------------------------------------------
# It records its arguments, writes what vm/sfb-vm.sh writes after sfb ab ran in the guest (the
# golden file as both sides' rounds) and exits as STANDIN_EXIT says (default 0) with the
# guest's exit code STANDIN_RC (default 1).
instr=$work/instructions.json
python3 - "$golden" "$instr" <<'PY' || fail "cannot make the instruction-clock result"
import json, sys
doc = json.load(open(sys.argv[1]))
doc["context"]["vm_clock"] = "instructions"
json.dump(doc, open(sys.argv[2], "w"))
PY
cat >"$work/vm.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "\$@" >'$work/vm.args'
while [ \$# -gt 0 ]; do
    case "\$1" in
        --output) out=\$2; shift ;;
        --) break ;;
    esac
    shift
done
if [ "\${STANDIN_EXIT:-0}" != 0 ]; then
    echo "sfb-vm: kernel 'x': the stand-in failed on purpose"
    exit "\$STANDIN_EXIT"
fi
cp '$instr' "\$out/base.json"
cp '$instr' "\$out/candidate.json"
echo '{"regression": true}' >"\$out/comparison.json"
echo "THE GUEST'S ANSWER" >"\$out/summary.txt"
echo "THE GUEST'S MARKDOWN" >"\$out/summary.md"
echo "\${STANDIN_RC:-1}" >"\$out/run.rc"
printf '%s\n' vm_accel=tcg vm_cpus=1 vm_clock=instructions \
    "vm_qemu_clock_options=-icount shift=0,sleep=off" boot_seconds=1.0 >"\$out/vm.env"
EOF
chmod +x "$work/vm.sh"
ab=("$sfb" ab --kernel x --build "$build" --vm-script "$work/vm.sh" --base "$bench"
    --candidate ./build/benchmarks/bench_sendfile)
# has_arg ARG: the stand-in was given the argument ARG.
has_arg() { grep -qxF -- "$1" "$work/vm.args"; }
# follows A B: argument B right after argument A.
follows() {
    awk -v a="$1" -v b="$2" 'previous == a && $0 == b { found = 1 } { previous = $0 }
        END { exit !found }' "$work/vm.args"
}

echo "# summary" >"$work/summary.md"
expect 1 "instruction clock" "${ab[@]}" --clock instructions --rounds 15 --save-base "$work/b.json" \
    --save-candidate "$work/c.json" --save-comparison "$work/cmp.json" --summary "$work/summary.md" \
    -- --sfb_paths=sendfile
grep -qx "THE GUEST'S ANSWER" "$work/out" || fail "the guest's answer is not printed: $(cat "$work/out")"
follows --ab "$bench" || fail "the base is not passed by absolute path: $(cat "$work/vm.args")"
has_arg "$work/build/benchmarks/bench_sendfile" || fail "the candidate is not made absolute"
follows --ab-option --rounds=15 || fail "--rounds is not passed to the guest's sfb ab"
follows --ab-option --threshold=1% || fail "no default threshold of 1% under the instruction clock"
follows --ab-option --summary=/out/summary.md || fail "--summary is not asked of the guest"
follows --cpus 1 || fail "the instruction clock's guest is not 1 vCPU by default"
follows --clock instructions || fail "--clock is not passed to the VM script"
follows -- --sfb_paths=sendfile || fail "the benchmark's arguments are not passed"
for host_only in save-base save-candidate save-comparison kernel vm-script build; do
    grep -q -- "^--$host_only" "$work/vm.args" && ! follows --build "$build" >/dev/null &&
        fail "--$host_only reached the guest"
    grep -q -- "^--$host_only=" "$work/vm.args" && fail "--$host_only reached the guest's sfb ab"
done
grep -qx "THE GUEST'S MARKDOWN" "$work/summary.md" && grep -qx "# summary" "$work/summary.md" ||
    fail "--summary was not appended to: $(cat "$work/summary.md")"
grep -q '"regression": true' "$work/cmp.json" || fail "--save-comparison is not the guest's"
python3 - "$work/b.json" "$work/c.json" <<'PY' || fail "the saved rounds are not labelled"
import json, sys
for path in sys.argv[1:]:
    doc = json.load(open(path))
    assert doc["context"]["vm_clock"] == "instructions", path
    assert doc["context"]["vm_qemu_clock_options"] == "-icount shift=0,sleep=off", path
    timed = [b for b in doc["benchmarks"] if "real_time" in b and not b.get("error_occurred")]
    assert timed and all("guest_instructions_per_pass" in b for b in timed), path
PY

# --threshold and --cpus given: passed as given; the wall clock: no default threshold.
expect 1 "" "${ab[@]}" --clock instructions --threshold 3% --cpus 2 --rounds 15
follows --ab-option --threshold=3% || fail "--threshold 3% is not passed"
has_arg --threshold=1% && fail "the default threshold overrode --threshold"
follows --cpus 2 || fail "--cpus 2 is not passed"
expect 0 "" env STANDIN_RC=0 "${ab[@]}" --rounds 15
grep -q -- "--threshold=" "$work/vm.args" && fail "the wall clock got a threshold it was not given"
follows --clock wall || fail "the wall clock is not the default"
# The VM script's usage error and failure.
expect 2 "failed on purpose" env STANDIN_EXIT=2 "${ab[@]}" --rounds 15
expect 3 "failed on purpose" env STANDIN_EXIT=3 "${ab[@]}" --rounds 15

# --- sfb compare of instruction-clock results ---------------------------------------------------
expect 0 "" "$sfb" compare --no-test --color never "$instr" "$instr"
grep -q "kinstr" "$work/out" && grep -q "MB/Ginstr" "$work/out" ||
    fail "compare does not label instructions: $(head -n 5 "$work/out")"
grep -qE "[0-9] us |MB/s" "$work/out" && fail "compare labels instructions as time: $(head -n 5 "$work/out")"
expect 0 "" "$sfb" compare --no-test --format json "$instr" "$instr"
grep -q '"unit": "kinstr"' "$work/out" || fail "compare JSON does not say kinstr"
grep -q '"unit": "us"' "$work/out" && fail "compare JSON says us under the instruction clock"
expect 0 "" "$sfb" compare --no-test --format json "$golden" "$golden"
grep -q '"unit": "us"' "$work/out" || fail "compare JSON lost us on the wall clock"

# --- sfb-vm.sh stages a wrapper with its program ---------------------------------------------------
for tool in busybox cpio qemu-system-x86_64; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIPPED: the dry runs need $tool (./bootstrap.sh --deps-only installs it); the rest passed"
        exit 77
    fi
done
mkdir -p "$work/other"
cp "$(command -v busybox)" "$work/other/program"
printf '#!/bin/sh\nexec %s/other/program "$@" --sfb_inject_cpu_us=sendfile:20\n' "$work" \
    >"$work/wrapper.sh"
chmod +x "$work/wrapper.sh"
echo "not a kernel" >"$work/vmlinuz"
vm=("$script" --kernel "$work/vmlinuz" --output "$work/dry" --build "$build" --dry-run)
expect 0 "" "${vm[@]}" --ab "$bench" "$work/wrapper.sh" --ab-option --rounds=15
for staged in "$work/wrapper.sh" "$work/other/program" "$bench"; do
    grep -qxF "$staged" "$work/dry/initramfs.list" || fail "$staged is not staged: $(cat "$work/dry/initramfs.list")"
done
grep -qxF -- --rounds=15 "$work/dry/ab_args" || fail "the guest lacks sfb ab's options"
grep -qxF "SFB_AB_CANDIDATE='$work/wrapper.sh'" "$work/dry/config" ||
    fail "the guest is not told to run sfb ab: $(cat "$work/dry/config")"
echo "text" >"$work/plain"
chmod +x "$work/plain"
expect 2 "is neither a program nor a #! script" "${vm[@]}" --ab "$bench" "$work/plain"
expect 2 "needs BASE and CANDIDATE" "${vm[@]}" --ab "$bench"
echo "ok"
