#!/bin/sh
# Faults found by a hostile test of sfb: each must give a clean, named error and a
# non-zero exit, never a crash, a hang or lost data. Usage: sfb_faults_test.sh SFB DATA CASE
# (DATA: harness/tests/data). Exit 0 pass, 1 fail, 77 skipped (not possible on this host).
. "$(dirname "$0")/case_lib.sh"
# expect STATUS TEXT -- COMMAND...: expect_status, and no unnamed library error in stderr.
expect() {
    expect_status "$@"
    shift 3
    if grep -q "json.exception\|filesystem error" "$work/err"; then
        fail "an unnamed library error: $*"
    fi
}
result_file() {  # result_file NAME REAL_TIME UNIT [ENTRY_EXTRA]: one benchmark, 5 repetitions
    name=$1 real=$2 unit=$3 extra=${4:-}
    {
        printf '{"context": {"executable": "x"}, "benchmarks": ['
        for i in 0 1 2 3 4; do
            [ $i -eq 0 ] || printf ','
            printf '{"name": "BM_x", "run_type": "iteration", "repetition_index": %s, ' $i
            printf '"real_time": %s, "cpu_time": 1, "time_unit": "%s"%s}' "$real" "$unit" "$extra"
        done
        printf ']}\n'
    } >"$work/$name"
}

case $case_name in
partial_read)
    # A results folder with an unreadable subfolder: exit 2 naming it, not a silent partial read.
    mkdir -p "$work/r/a" "$work/r/b"
    cp "$data/sfb_base.json" "$work/r/a/1.json"
    cp "$data/sfb_same.json" "$work/r/b/2.json"
    chmod -R a+rX "$work/r"
    chmod 000 "$work/r/b"
    run_as=
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null || exit 77
        run_as="setpriv --reuid=65534 --regid=65534 --clear-groups"
    fi
    expect 2 "$work/r/b: cannot read folder: Permission denied" -- $run_as "$sfb" report "$work/r"
    expect 2 "$work/r/b" -- $run_as "$sfb" compare --no-test "$work/r" "$work/r"
    ;;
destinations)
    # Every destination is checked before the first round: exit 2, and no round ran.
    mark="$work/ran"
    export FAKE_MARK="$mark"
    expect 2 "--output /nonexistent/x.json: the folder /nonexistent does not exist" -- \
        "$sfb" run --bench "$fake" --repetitions 1 --no-store --output /nonexistent/x.json
    expect 2 "--results-dir /proc/sfb-results: cannot create files in /proc" -- \
        "$sfb" run --bench "$fake" --repetitions 1 --results-dir /proc/sfb-results
    expect 2 "--save-base /nonexistent/x.json" -- "$sfb" ab --base "$fake" --candidate "$fake" \
        --rounds 5 --no-test --save-base /nonexistent/x.json
    expect 2 "--summary $work: is a folder" -- "$sfb" ab --base "$fake" --candidate "$fake" \
        --rounds 5 --no-test --summary "$work"
    [ ! -e "$mark" ] || fail "a round ran before the destinations were checked"
    ;;
kept_result)
    # A destination that fails only at the end (removed during the run): exit 3, and the
    # merged result kept in a file whose path the message gives.
    mkdir "$work/gone"
    export TMPDIR="$work"
    export FAKE_MODE="remove:$work/gone"
    expect 3 "the result was kept in" -- "$sfb" run \
        --bench "$fake" --repetitions 2 --no-store --output "$work/gone/x.json"
    kept=$(sed -n 's/.*the result was kept in \(.*\)$/\1/p' "$work/err")
    [ -f "$kept" ] || fail "the kept file \"$kept\" does not exist"
    grep -q '"BM_fake"' "$kept" || fail "the kept file lacks the result"
    grep -q '"sfb_harness_rounds": "2"' "$kept" || fail "the kept file is not the merged result"
    ;;
gate)
    # An empty gate is a usage error, never a gate that lets a regression through.
    for gate in "" "," " , "; do
        expect 2 "names no metric" -- "$sfb" compare --gate "$gate" \
            "$data/sfb_base.json" "$data/sfb_sendfile_regressed.json"
    done
    expect 2 "gate metric \"no_such_metric\" appears in no benchmark" -- "$sfb" compare \
        --gate no_such_metric "$data/sfb_base.json" "$data/sfb_sendfile_regressed.json"
    ;;
unnamed_errors)
    # Numbers beyond a double, a wrong-typed bookkeeping key, a symlink loop: exit 2 naming
    # the file (and the JSON pointer), never a raw library exception.
    result_file big.json 1e400 us
    expect 2 "$work/big.json: malformed JSON: " -- "$sfb" compare --no-test "$work/big.json" \
        "$work/big.json"
    digits=$(printf '%0400d' 7)
    result_file digits.json "$digits" us
    expect 2 "$work/digits.json: malformed JSON: " -- "$sfb" report "$work/digits.json"
    result_file family.json 1 us ', "family_index": "zero"'
    expect 2 "$work/family.json: benchmark \"BM_x\" (entry 0): field \"family_index\" is not a number (at /benchmarks/0/family_index)" -- \
        "$sfb" compare --no-test "$work/family.json" "$work/family.json"
    mkdir "$work/loop"
    cp "$data/sfb_base.json" "$work/loop/ok.json"
    ln -s "$work/loop/self.json" "$work/loop/self.json"
    expect 2 "$work/loop/self.json: cannot read: Too many levels of symbolic links" -- \
        "$sfb" report "$work/loop"
    ;;
deep_nesting)
    # 300,000 levels of nesting in the context: exit 2, no stack overflow.
    python3 -c '
import sys
n = 300000
sys.stdout.write("{\"context\": {\"x\": " + "[" * n + "]" * n + "}, \"benchmarks\": []}\n")
' >"$work/deep.json" || exit 77
    expect 2 "$work/deep.json: malformed JSON: nested more than 256 levels deep" -- \
        "$sfb" compare --no-test "$work/deep.json" "$work/deep.json"
    expect 2 "nested more than 256 levels deep" -- "$sfb" report "$work/deep.json"
    ;;
special_files)
    # A FIFO named *.json in a folder, /dev/zero, an oversized file: exit 2, never a hang.
    mkdir "$work/r"
    cp "$data/sfb_base.json" "$work/r/a.json"
    mkfifo "$work/r/b.json"
    expect 2 "$work/r/b.json: not a regular file" -- "$sfb" report "$work/r"
    expect 2 "$work/r/b.json: not a regular file (a FIFO)" -- "$sfb" compare --no-test \
        "$work/r/b.json" "$data/sfb_base.json"
    expect 2 "/dev/zero: not a regular file (a character device)" -- "$sfb" compare --no-test \
        /dev/zero "$data/sfb_base.json"
    truncate -s 300M "$work/huge.json"
    expect 2 "$work/huge.json: too large" -- "$sfb" report "$work/huge.json"
    ;;
non_finite_times)
    # A time that is infinite after conversion, or negative, is bad input, never a verdict.
    result_file inf.json 1.7e308 s
    expect 2 "field \"real_time\" is not finite (at /benchmarks/0/real_time)" -- \
        "$sfb" compare "$work/inf.json" "$work/inf.json"
    result_file negative.json -5 us
    expect 2 "field \"real_time\" is negative" -- "$sfb" report "$work/negative.json"
    ;;
interrupt_twice)
    # Ctrl-C twice: the second one kills a benchmark program that ignores SIGTERM.
    mkdir "$work/tmp"
    TMPDIR="$work/tmp" FAKE_MODE=ignore_term "$sfb" run --bench "$fake" --repetitions 1 \
        --no-store >"$work/out" 2>"$work/err" &
    pid=$!
    i=0
    while [ -z "$(ls -A "$work/tmp")" ] && [ $i -lt 200 ]; do
        sleep 0.05; i=$((i + 1))
    done
    sleep 0.5
    kill -INT $pid
    sleep 0.5
    kill -0 $pid 2>/dev/null || fail "sfb ended after one SIGINT although the program ignores SIGTERM (the test is void)"
    kill -INT $pid
    i=0
    while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    if kill -0 $pid 2>/dev/null; then
        kill -9 $pid
        fail "sfb still running 5 s after the second SIGINT"
    fi
    wait $pid
    status=$?
    [ $status -eq 3 ] || fail "exit $status after two SIGINTs, expected 3"
    grep -q "interrupt again to kill it" "$work/err" || fail "no hint after the first SIGINT"
    grep -q "interrupted by" "$work/err" || fail "no message saying why"
    [ -z "$(ls -A "$work/tmp")" ] || fail "left behind: $(ls -A "$work/tmp")"
    ;;
markdown_names)
    # | and newlines in a name must not break the Markdown table.
    python3 - "$work/names.json" <<'PY' || exit 77
import json, sys
entries = []
for name in ("a|b", "line\nbreak"):
    for i in range(3):
        entries.append({"name": name, "run_type": "iteration", "repetition_index": i,
                        "real_time": 10 + i, "cpu_time": 5, "time_unit": "us"})
json.dump({"context": {}, "benchmarks": entries}, open(sys.argv[1], "w"))
PY
    expect 0 "" -- "$sfb" compare --no-test --format markdown "$work/names.json" "$work/names.json"
    grep -qF '| a\|b |' "$work/out" || fail "| in a name not escaped"
    grep -qF '| line break |' "$work/out" || fail "newline in a name not replaced"
    rows=$(grep -c '^| ' "$work/out")
    [ "$rows" -eq 6 ] || fail "$rows table lines, expected 6 (header, rule, 2 x 2 metrics)"
    ;;
tmpdir)
    # A missing or full TMPDIR is reported as such, not as "malformed JSON".
    expect 3 \
        "cannot create a temporary folder in /nonexistent/tmp (TMPDIR): No such file or directory" \
        -- env TMPDIR=/nonexistent/tmp "$sfb" run --bench "$fake" --repetitions 1 --no-store
    [ "$(id -u)" = 0 ] && command -v unshare >/dev/null || { echo "SKIP: full TMPDIR needs root"; exit 0; }
    mkdir "$work/small"
    unshare -m sh -c '
        mount -t tmpfs -o size=16k tmpfs "$1" || exit 77
        dd if=/dev/zero of="$1/fill" bs=4k count=8 2>/dev/null
        TMPDIR="$1" timeout 60 "$2" run --bench "$3" --repetitions 1 --no-store
    ' sh "$work/small" "$sfb" "$fake" >"$work/out" 2>"$work/err"
    status=$?
    [ $status -ne 77 ] || { echo "SKIP: cannot mount a tmpfs here"; exit 0; }
    [ $status -eq 3 ] || fail "exit $status with a full TMPDIR, expected 3"
    grep -q "is full" "$work/err" || fail "the message does not say the temporary folder is full"
    grep -q "malformed JSON" "$work/err" && fail "reported as malformed JSON"
    ;;
benchmark_failed)
    # A benchmark that failed: nothing stored, exit 3, the failed benchmark named, whether the
    # program exits 1 (bench_sendfile) or 0 (older programs).
    for mode in fail_exit fail_entry; do
        export FAKE_MODE=$mode
        expect 3 "benchmark BM_fake failed: No space left on device" -- \
            "$sfb" run --bench "$fake" --repetitions 2 --results-dir "$work/results"
        grep -q "nothing was stored" "$work/err" || fail "$mode: the message does not say nothing was stored"
        [ ! -e "$work/results" ] || fail "$mode: something was stored"
    done
    export FAKE_MODE=fail_exit
    expect 3 "benchmark BM_fake failed" -- "$sfb" ab --base "$fake" \
        --candidate "$fake" --rounds 5 --no-test
    # And the same program succeeding stores its result.
    export FAKE_MODE=ok
    expect 0 "stored $work/results/" -- "$sfb" run --bench "$fake" --repetitions 2 \
        --results-dir "$work/results"
    ;;
*)
    echo "unknown case $case_name"
    exit 1
    ;;
esac
echo "PASS: $case_name"
