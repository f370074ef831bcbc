#!/usr/bin/env bash
# ctest vm.instruction_clock: `--clock instructions` of vm/sfb-vm.sh and `sfb kernels`, without
# booting anything.
#   clock_test.sh VM_SCRIPT SFB CHECK_BENCH_JSON GOLDEN_JSON
# - sfb-vm.sh: a dry run with --clock instructions gives qemu TCG and -icount shift=0,sleep=off
#   (with --accel auto or tcg), the default wall clock gives no -icount; --accel kvm with it and
#   a bad --clock exit 2, named.
# - sfb kernels: a bad --clock and --clock instructions --accel kvm exit 2 before any boot; with
#   a stand-in VM script that hands back the format's golden file as the guest's result, the
#   stored result says vm_clock and vm_qemu_clock_options, has guest_instructions_per_pass and
#   guest_instructions_per_kib (real time in ns, and that per KiB of the file) exactly under
#   the instructions clock, and passes check_bench_json.
# - sfb compare: never pairs a wall-clock result with an instructions-clock one (exit 2, both
#   clocks named, --no-test too); a result without vm_clock counts as wall. sfb report shows
#   the instruction clock's runs as a machine of their own.
# The dry runs need busybox, cpio and qemu: without them that part is skipped (exit 77 at the
# end, with the reason, after the other parts passed).
set -uo pipefail
script=$1
sfb=$2
checker=$3
golden=$4
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh" clock
build=$stub_build

image=$work/vmlinuz
echo "not a kernel" >"$image"
# The VM script on the stand-in kernel and build, a dry run.
vm=("$script" --kernel "$image" --output "$work/dry" --build "$build" --dry-run)

# --- sfb-vm.sh: refused up front (before it looks for its tools) ------------------------------
expect 2 "--clock instructions needs TCG" "${vm[@]}" --clock instructions --accel kvm
expect 2 "--clock must be wall or instructions" "${vm[@]}" --clock cycles

# --- sfb kernels: refused before any boot -----------------------------------------------------
expect 2 "--clock: \"cycles\" is not wall or instructions" \
    "$sfb" kernels --kernel x --no-store --build "$build" --clock cycles
expect 2 "--clock instructions needs qemu's TCG emulator" \
    "$sfb" kernels --kernel x --no-store --build "$build" --clock instructions --accel kvm

# --- sfb kernels with a stand-in VM script ----------------------------------------------------
# It takes the options sfb kernels passes, writes what vm/sfb-vm.sh writes for a finished guest
# (the golden file as its merged result) and says which clock it was given.
cat >"$work/vm.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
clock=missing
while [ \$# -gt 0 ]; do
    case "\$1" in
        --output) out=\$2; shift ;;
        --clock) clock=\$2; shift ;;
        --) break ;;
    esac
    shift
done
options=
[ "\$clock" != instructions ] || options="-icount shift=0,sleep=off"
cp '$golden' "\$out/run.json"
echo "kernel_release=6.1.0-57-cloud-amd64" >"\$out/guest.env"
printf '%s\n' vm_accel=tcg vm_cpus=1 "vm_clock=\$clock" "vm_qemu_clock_options=\$options" \
    boot_seconds=1.0 total_seconds=2.0 >"\$out/vm.env"
EOF
chmod +x "$work/vm.sh"
for clock in instructions wall; do
    "$sfb" kernels --kernel stand-in --clock "$clock" --build "$build" --vm-script "$work/vm.sh" \
        --results-dir "$work/results-$clock" >"$work/out" 2>"$work/err" ||
        fail "sfb kernels --clock $clock with the stand-in exited $?: $(tail -n 5 "$work/err")"
    stored=$(find "$work/results-$clock" -name '*.json')
    [ "$(echo "$stored" | wc -l)" = 1 ] || fail "--clock $clock: expected one stored file: $stored"
    cp "$stored" "$work/$clock.json"
    said=no
    grep -q "instruction clock" "$work/out" "$work/err" && said=yes
    [ "$said" = "$([ "$clock" = instructions ] && echo yes || echo no)" ] ||
        fail "--clock $clock: sfb kernels says 'instruction clock': $said"
    "$checker" "$work/$clock.json" >"$work/check" 2>&1 ||
        fail "--clock $clock: check_bench_json refused the stored result: $(cat "$work/check")"
done
python3 - "$work/instructions.json" "$work/wall.json" <<'PY' || fail "the stored results are wrong"
import json, sys
problems = []
for path, clock, options in ((sys.argv[1], "instructions", "-icount shift=0,sleep=off"),
                             (sys.argv[2], "wall", "")):
    doc = json.load(open(path))
    context = doc["context"]
    if context.get("vm_clock") != clock:
        problems.append(f"{clock}: vm_clock is {context.get('vm_clock')!r}")
    if context.get("vm_qemu_clock_options") != options:
        problems.append(f"{clock}: vm_qemu_clock_options is "
                        f"{context.get('vm_qemu_clock_options')!r}, expected {options!r}")
    for b in doc["benchmarks"]:
        has = [k for k in ("guest_instructions_per_pass", "guest_instructions_per_kib") if k in b]
        if clock == "wall":
            if has:
                problems.append(f"wall: {b['name']} has {has}")
            continue
        if len(has) != 2:
            problems.append(f"instructions: {b['name']} has only {has}")
            continue
        per_pass, per_kib = b["guest_instructions_per_pass"], b["guest_instructions_per_kib"]
        if b.get("aggregate_unit") == "percentage":  # cv: the same ratio at any scale
            expected = (b["real_time"], b["real_time"])
        else:
            assert b["time_unit"] == "us", b["time_unit"]
            file_bytes = int(b["name"].split("/file:")[1].split("/")[0])
            expected = (b["real_time"] * 1000, b["real_time"] * 1000 / (file_bytes / 1024))
        for got, want, what in zip((per_pass, per_kib), expected, ("per pass", "per KiB")):
            if abs(got - want) > 1e-9 * max(1.0, abs(want)):
                problems.append(f"instructions: {b['name']}: {what} {got}, expected {want}")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PY

# --- sfb compare: never across clocks; no vm_clock is wall --------------------------------------
for test in "" --no-test; do
    expect 2 "base ran under the clock wall and new under the clock instructions" \
        "$sfb" compare $test "$golden" "$work/instructions.json"
    expect 2 "base ran under the clock instructions and new under the clock wall" \
        "$sfb" compare $test "$work/instructions.json" "$work/wall.json"
done
expect 0 "" "$sfb" compare --no-test --format json "$work/instructions.json" \
    "$work/instructions.json"
grep -q '"guest_instructions_per_pass"' "$work/out" || fail "compare does not show the new counter"
# The golden file has no vm_clock: wall, like the wall-clock guest (a TCG guest beside a bare
# machine: comparable with --no-test, as accelerator_labels_test.sh shows).
expect 0 "" "$sfb" compare --no-test "$golden" "$work/wall.json"

# sfb report: the instruction clock's runs are a machine of their own, beside the same guest's
# wall-clock runs (one fingerprint).
expect 0 "" "$sfb" report "$work/wall.json" "$work/instructions.json"
fingerprint=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["context"]["machine_fingerprint"])' \
    "$work/wall.json")
grep -qF "$fingerprint (instruction clock): " "$work/out" ||
    fail "report does not show the instruction clock's machine: $(cat "$work/out")"
grep -qF "$fingerprint: " "$work/out" || fail "report lost the wall clock's machine: $(cat "$work/out")"

# --- sfb-vm.sh's dry runs: the qemu options ----------------------------------------------------
for tool in busybox cpio qemu-system-x86_64; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIPPED: the dry runs need $tool (./bootstrap.sh --deps-only installs it); the rest passed"
        exit 77
    fi
done
# after OPTION VALUE: qemu.args (one argument a line) has OPTION followed by VALUE.
after() {
    awk -v option="$1" -v value="$2" 'previous == option && $0 == value { found = 1 }
        { previous = $0 } END { exit !found }' "$work/dry/qemu.args"
}
for accel in auto tcg; do
    expect 0 "" "${vm[@]}" --clock instructions --accel "$accel"
    after -icount shift=0,sleep=off || fail "--accel $accel: no -icount shift=0,sleep=off in
$(cat "$work/dry/qemu.args")"
    after -accel tcg || fail "--accel $accel --clock instructions: not TCG"
    after -cpu max || fail "--accel $accel --clock instructions: not -cpu max"
done
# More than one vCPU under the instruction clock: booted with one CPU online (the guest's init
# brings up the others), since 6.1's boot-time bring-up hangs under -icount.
expect 0 "" "${vm[@]}" --clock instructions --cpus 2
after -smp 2 || fail "--cpus 2: not -smp 2"
grep -q 'maxcpus=1' "$work/dry/qemu.args" || fail "--clock instructions --cpus 2 lacks maxcpus=1"
for other in "--clock instructions --cpus 1" "--clock wall --cpus 2"; do
    # shellcheck disable=SC2086 # two options on purpose
    expect 0 "" "${vm[@]}" $other
    grep -q 'maxcpus' "$work/dry/qemu.args" && fail "$other has maxcpus"
done
expect 0 "" "${vm[@]}"
grep -qx -- -icount "$work/dry/qemu.args" && fail "the wall clock has -icount"
expect 0 "" "${vm[@]}" --clock wall --accel tcg
grep -qx -- -icount "$work/dry/qemu.args" && fail "--clock wall has -icount"
echo "ok"
