#!/usr/bin/env bash
# End-to-end test of perf_gate.sh (ctest ci.perf_gate.*):
#   perf_gate_test.sh usage|clean|regression BENCH_SENDFILE SFB
# usage:      --help, and each kind of bad usage exits 2 with a message, before any run
# clean:      the same build as base and candidate: exit 0, every output written and valid
# regression: a candidate that burns 5 ms more sender CPU per pass: exit 1, outputs written
# kernel:     --kernel SPEC --clock instructions reach sfb ab, with its own threshold and the
#             guest's default benchmark arguments (an sfb stand-in records them and runs the
#             gate on this machine, so nothing boots)
set -euo pipefail

case_name=$1 bench=$2 sfb=$3
script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/perf_gate.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sfb-perf-gate-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAILED: $what" >&2
        failures=$((failures + 1))
    fi
}

# Runs perf_gate.sh; sets status, and keeps stderr in $tmp/stderr.
gate() {
    status=0
    "$script" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || status=$?
}

# Strict JSON (no NaN or Infinity), and one Python expression over the document `d`.
json_check() {
    python3 - "$1" "$2" <<'PY'
import json, sys
def strict(token):
    raise ValueError(f"non-finite number {token}")
with open(sys.argv[1], encoding="utf-8") as handle:
    d = json.load(handle, parse_constant=strict)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# TCP_NODELAY: without it the last short segment of a 64 KiB pass waits for the receiver's
# delayed ACK (Nagle), and a pass takes 20-40 ms instead of about 50 us.
tiny=(--sfb_paths=sendfile --sfb_receiver=discard --sfb_file_sizes=64K --sfb_block_sizes=16K
      --sfb_placement=free --sfb_nodelay --benchmark_min_time=0.01)

outputs_written() {
    local out=$1 expect=$2
    check "exit_code file says $expect" test "$(cat "$out/exit_code")" = "$expect"
    check "summary.md holds the gate's table" grep -q '^| Benchmark | Metric |' "$out/summary.md"
    check "summary appended to --summary" cmp -s "$out/summary.md" "$tmp/step-summary.md"
    check "gate.json is the comparison" \
        json_check "$out/gate.json" 'd["benchmarks"][0]["metrics"]["real_time"]["new_median"] > 0'
    for side in base candidate; do
        check "$side.json holds 6 repetitions" json_check "$out/$side.json" \
            'sum(b.get("run_type") == "iteration" for b in d["benchmarks"]) == 6'
    done
    if "$sfb" export --help >/dev/null 2>&1; then
        check "github-action-benchmark-bigger.json: MB/s" json_check \
            "$out/github-action-benchmark-bigger.json" \
            'all({"name", "unit", "value"} <= set(e) for e in d) and len(d) >= 1'
        check "github-action-benchmark-smaller.json: times" json_check \
            "$out/github-action-benchmark-smaller.json" \
            'all({"name", "unit", "value"} <= set(e) for e in d) and len(d) >= 2'
        check "bencher.json: benchmark -> measure -> value" json_check "$out/bencher.json" \
            'all("value" in m for b in d.values() for m in b.values()) and len(d) == 1'
    else
        check "no export: said so" grep -q "no 'export' command" "$tmp/stderr"
    fi
}

case $case_name in
    usage)
        gate --help
        check "--help exits 0" test "$status" -eq 0
        check "--help lists the exit codes" grep -q '^exit codes' "$tmp/stdout"
        # Every option the workflow gives the script is one the script knows.
        workflow="$(dirname "$script")/../../.github/workflows/perf-gate.yml"
        # The invocation: from its first line to the first that does not end in a backslash.
        sed -n '/^ *harness\/ci\/perf_gate.sh/,/[^\\]$/p' "$workflow" |
            grep -o -- ' --[a-z-]*' >"$tmp/workflow-options"
        check "the workflow runs perf_gate.sh with options" test -s "$tmp/workflow-options"
        while read -r option; do
            check "the workflow's $option is in --help" grep -q -- "^ *$option " "$tmp/stdout"
        done <"$tmp/workflow-options"
        mkdir "$tmp/full" && touch "$tmp/full/old.json"
        printf '#!/bin/sh\nexit 0\n' >"$tmp/not-executable"
        while IFS='|' read -r what expect args; do
            read -ra argv <<<"$args"
            gate "${argv[@]}"
            check "$what: exit 2" test "$status" -eq 2
            check "$what: says '$expect'" grep -q -- "$expect" "$tmp/stderr"
            check "$what: no benchmark ran" test ! -e "$tmp/out/base.json"
        done <<EOF2
unknown option|unknown argument '--bogus'|--bogus --base-bench $bench --output $tmp/out
no base|name the base|--candidate-bench $bench --sfb $sfb --output $tmp/out
option without a value|--rounds needs a value|--base-bench $bench --rounds
rounds not a number|not a whole number|--base-bench $bench --rounds many --output $tmp/out
rounds out of range|--rounds: '99999999999999999999' is not a whole number from 1 to 100000|--base-bench $bench --rounds 99999999999999999999 --output $tmp/out
summary among the outputs|is inside --output|--base-bench $bench --candidate-bench $bench --sfb $sfb --output $tmp/out --summary $tmp/out/base.json
time limit not a number|not a number of minutes|--base-bench $bench --time-limit soon --output $tmp/out
output folder in use (--out, the old spelling)|is not empty|--base-bench $bench --candidate-bench $bench --sfb $sfb --out $tmp/full
base dir not a source tree|not a sendfile-bench source tree|--base-dir $tmp --candidate-bench $bench --sfb $sfb --output $tmp/out
clock without a kernel|--clock needs --kernel SPEC|--base-bench $bench --clock instructions --output $tmp/out
bad clock|--clock: 'cycles' is not wall or instructions|--base-bench $bench --kernel k --clock cycles --output $tmp/out
program not executable|is not an executable program|--base-bench $tmp/not-executable --candidate-bench $bench --sfb $sfb --output $tmp/out
EOF2
        ;;
    clean)
        gate --base-bench "$bench" --candidate-bench "$bench" --sfb "$sfb" --rounds 6 \
            --output "$tmp/out" --summary "$tmp/step-summary.md" \
            --gate-option=--gate=real_time --gate-option=--alpha=0.05 -- "${tiny[@]}"
        check "the same build against itself: exit 0" test "$status" -eq 0
        check "no regression in the summary" grep -q 'No regression' "$tmp/out/summary.md"
        outputs_written "$tmp/out" 0
        ;;
    regression)
        # 5 ms of extra CPU per pass of about 0.1 ms: every round slower, p = 1/32 exactly.
        printf '#!/bin/sh\nexec "%s" "$@" --sfb_inject_cpu_us=sendfile:5000\n' "$bench" \
            >"$tmp/slower"
        chmod +x "$tmp/slower"
        gate --base-bench "$bench" --candidate-bench "$tmp/slower" --sfb "$sfb" --rounds 6 \
            --output "$tmp/out" --summary "$tmp/step-summary.md" \
            --gate-option=--gate=real_time --gate-option=--alpha=0.05 -- "${tiny[@]}"
        check "a slower candidate: exit 1" test "$status" -eq 1
        check "the script names the regression" grep -q 'REGRESSION' "$tmp/stderr"
        check "the summary names it" grep -qi 'regress' "$tmp/out/summary.md"
        outputs_written "$tmp/out" 1
        ;;
    kernel)
        # The stand-in: records sfb ab's arguments, then runs that gate here without the
        # guest's options, on a tiny benchmark instead of the guest's default arguments.
        cat >"$tmp/sfb" <<EOF2
#!/usr/bin/env bash
if [ "\$1" != ab ]; then exec "$sfb" "\$@"; fi
printf '%s\n' "\$@" >"$tmp/ab-args"
args=()
while [ \$# -gt 0 ]; do
    case "\$1" in
        --kernel | --clock) shift ;;
        --) break ;;
        *) args+=("\$1") ;;
    esac
    shift
done
exec "$sfb" "\${args[@]}" --gate=real_time --alpha=0.05 -- $(printf '%q ' "${tiny[@]}")
EOF2
        chmod +x "$tmp/sfb"
        gate --base-bench "$bench" --candidate-bench "$bench" --sfb "$tmp/sfb" --rounds 6 \
            --output "$tmp/out" --summary "$tmp/step-summary.md" \
            --kernel 'linux-image-6.1.0-*-cloud-amd64' --clock instructions
        check "the gate in a guest: exit 0" test "$status" -eq 0
        check "--kernel reaches sfb ab" grep -qx 'linux-image-6.1.0-\*-cloud-amd64' "$tmp/ab-args"
        check "--clock instructions reaches sfb ab" grep -qx instructions "$tmp/ab-args"
        check "no --threshold: sfb ab's own for the clock" bash -c "! grep -qx -- --threshold '$tmp/ab-args'"
        check "the guest's default arguments: 1 MiB, no placement" \
            bash -c "grep -qx -- --sfb_file_sizes=1M '$tmp/ab-args' && ! grep -q placement '$tmp/ab-args'"
        outputs_written "$tmp/out" 0
        ;;
    *)
        echo "perf_gate_test.sh: unknown case '$case_name'" >&2
        exit 2
        ;;
esac

if [[ $failures -gt 0 ]]; then
    echo "perf_gate_test.sh $case_name: $failures check(s) failed; perf_gate.sh said:" >&2
    cat "$tmp/stderr" >&2
    exit 1
fi
echo "perf_gate_test.sh $case_name: all checks passed"
