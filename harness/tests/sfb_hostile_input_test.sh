#!/bin/sh
# The second hostile round: every class of defect it found, one ctest per class (numbers out
# of range, unread entries of a results tree, quadratic statistics and memory, unsafe
# messages, repeated JSON keys, outputs that are inputs, children outliving a killed sfb, sfb
# kernels' messages). Usage: sfb_hostile_input_test.sh SFB DATA CASE. Exit 0 pass, 1 fail,
# 77 skipped.
. "$(dirname "$0")/case_lib.sh"
# expect STATUS TEXT -- COMMAND...: expect_status, and everything it printed is safe (see
# safe_output).
expect() {
    expect_status "$@"
    shift 3
    safe_output "$*"
}
# Standard output and error are valid UTF-8, hold no control character but newline and tab
# (no escape sequence), and no line of standard error is longer than 4 KiB.
safe_output() {
    python3 - "$work/out" "$work/err" <<'PY' || fail "unsafe output: $1"
import sys
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        sys.exit(f"{name}: not UTF-8: {e}")
    bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
           or 0x202a <= ord(c) <= 0x202e]
    if bad:
        sys.exit(f"{name}: control characters {bad[:5]!r}")
    if name.endswith("err") and any(len(l) > 4096 for l in text.split("\n")):
        sys.exit(f"{name}: a line longer than 4 KiB")
PY
}
# result_file NAME COUNT [ENTRY_EXTRA] [NAME_OF_BENCHMARK]: COUNT repetitions of one benchmark.
result_file() {
    python3 - "$work/$1" "$2" "${3:-}" "${4:-BM_x}" <<'PY'
import json, sys, random
path, count, extra, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
random.seed(count)
entries = []
for i in range(count):
    entries.append('{"name": %s, "run_type": "iteration", "repetition_index": %d, '
                   '"iterations": 10, "real_time": %.3f, "cpu_time": 1, "time_unit": "us"%s}'
                   % (json.dumps(name), i, 10 + random.random(), extra))
open(path, "w").write('{"context": {"executable": "x"}, "benchmarks": [' + ",".join(entries) + "]}\n")
PY
}

case $case_name in
numbers)
    # Every number sfb takes is range-checked and refused with exit 2 naming it, never wrapped.
    expect 2 "--repetitions: 4294967296 is out of range" -- "$sfb" run --bench "$fake" \
        --no-store --repetitions 4294967296
    expect 2 "--repetitions: 99999999999999999999999 is out of range" -- "$sfb" run \
        --bench "$fake" --no-store --repetitions 99999999999999999999999
    expect 2 "--max-rounds: 4294967297 is out of range" -- "$sfb" run --bench "$fake" \
        --no-store --target-ci 5% --max-rounds 4294967297
    expect 2 "--warmup: 1e300 is above" -- "$sfb" run --bench "$fake" --no-store --warmup 1e300
    expect 2 "--rounds: 4294967306 is out of range" -- "$sfb" ab --base "$fake" \
        --candidate "$fake" --rounds 4294967306
    expect 2 "--file-size: 17179869184G is out of range" -- "$sfb" report --file-size \
        17179869184G "$data/sfb_base.json"
    expect 2 "--block-size: 99999999999999999999 is out of range" -- "$sfb" report \
        --block-size 99999999999999999999 "$data/sfb_base.json"
    expect 2 "--cpus: 4294967297 is out of range" -- "$sfb" kernels --kernel x --no-store \
        --cpus 4294967297
    expect 2 "--timeout: 99999999999 is out of range" -- "$sfb" kernels --kernel x --no-store \
        --timeout 99999999999
    expect 2 "--memory: \"1,5G\" is not a guest memory size" -- "$sfb" kernels --kernel x \
        --no-store --memory 1,5G
    expect 2 "--repetitions: 4294967299 is out of range" -- "$sfb" kernels --kernel x \
        --no-store --repetitions 4294967299
    # From a file: counts and indices are whole numbers, not -1, 2.5 or 1e30.
    for bad in '-1' '2.5' '1e30'; do
        result_file bad.json 9 ", \"threads\": $bad"
        expect 2 "field \"threads\" is " -- "$sfb" compare --no-test \
            "$work/bad.json" "$data/sfb_base.json"
        grep -qF "not a whole number from 0 to 2^64 - 1" "$work/err" || fail "$bad: no range"
    done
    ;;
tree)
    # Whatever report, compare and export do not read is named, and the exit code says so.
    mkdir -p "$work/r/sub" "$work/elsewhere"
    cp "$data/sfb_base.json" "$work/r/a.json"
    cp "$data/sfb_same.json" "$work/elsewhere/b.json"
    echo notes >"$work/r/notes.txt"
    cp "$data/sfb_same.json" "$work/r/sub/result.json.bak"
    ln -s "$work/elsewhere" "$work/r/linked"
    ln -s "$work/nowhere" "$work/r/broken"
    ln -s "$work/r/loop" "$work/r/loop"
    mkfifo "$work/r/pipe"
    expect 4 "notes.txt: not read" -- "$sfb" report "$work/r"
    for entry in "r/sub/result.json.bak: not read" "r/linked: a symbolic link to a folder" \
        "r/broken: a broken symbolic link" "r/loop: a broken symbolic link (or a loop)" \
        "r/pipe: not read" "the answer is incomplete"; do
        grep -qF "$entry" "$work/err" || fail "report does not name $entry"
    done
    expect 4 "r/linked: a symbolic link to a folder" -- "$sfb" compare --no-test "$work/r" \
        "$data/sfb_same.json"
    expect 4 "r/notes.txt: not read" -- "$sfb" export --format bencher "$work/r"
    # A regression outranks the note (exit 1 stays 1); a complete tree exits 0.
    expect 1 "the answer is incomplete" -- "$sfb" compare "$work/r" \
        "$data/sfb_sendfile_regressed.json"
    rm -f "$work/r/notes.txt" "$work/r/sub/result.json.bak" "$work/r/linked" "$work/r/broken" \
        "$work/r/pipe" "$work/r/loop"
    expect 0 "" -- "$sfb" report "$work/r"
    grep -q "warning" "$work/err" && fail "a warning about a complete tree"
    ;;
bounded)
    # A memory cap (ulimit -v) cannot be combined with a sanitizer's shadow memory.
    limit=1048576
    repetitions=20000
    # Under a sanitizer (a Debug build, no memory cap) reading 20,000 repetitions a side
    # takes about a minute; 4,000 still pass the statistics' cap of 1,000 values a side.
    ! ldd "$sfb" 2>/dev/null | grep -qE "lib(a|t)san" || { limit=; repetitions=4000; }
    # 20,000 repetitions a side: the pairwise statistics stay fast and small (quadratic would
    # be 4e8 pairs, 3 GiB); memory is capped at 1 GiB to show it.
    result_file big_a.json $repetitions
    result_file big_b.json $repetitions
    expect 0 "" -- sh -c '[ -z "$1" ] || ulimit -v "$1"; shift; exec "$@"' sh "$limit" \
        "$sfb" compare --no-test "$work/big_a.json" "$work/big_b.json"
    grep -q "BM_x" "$work/out" || fail "no comparison"
    # A program that prints 8 MiB without a newline: read in bounded pieces, not held.
    expect 0 "" -- env FAKE_MODE=long_line "$sfb" run --bench "$fake" --no-store \
        --repetitions 1 --verbose
    grep -qF "more bytes)" "$work/err" || fail "the long line was not cut"
    # Out of memory is not "the benchmark program failed": a 60 MB result under a 150 MB cap.
    python3 -c '
import sys
e = ",".join("{\"name\": \"BM_%d\", \"run_type\": \"iteration\", \"real_time\": 1, \"cpu_time\": 1, \"time_unit\": \"us\"}" % i for i in range(600000))
open(sys.argv[1], "w").write("{\"benchmarks\": [" + e + "]}")' "$work/huge.json"
    [ -n "$limit" ] || { echo "PASS: bounded (no memory cap under a sanitizer)"; exit 0; }
    timeout 60 sh -c 'ulimit -v 153600; exec "$@"' sh "$sfb" report "$work/huge.json" \
        >"$work/out" 2>"$work/err"
    got=$?
    case $got in
    0) ;;  # it fit
    2) grep -q "out of memory" "$work/err" || fail "exit 2 without saying out of memory" ;;
    *) fail "exit $got under a memory cap (expected 0, or 2 naming the lack of memory)" ;;
    esac
    ;;
messages)
    # Bytes from input reach no terminal raw: file names, benchmark names, child output.
    name=$(printf 'bad\033[2J\377\342\200\256name')
    expect 2 "bad\\x1b[2J\\xff\\u{202e}name.json: no such file" -- "$sfb" compare \
        "$work/$name.json" "$data/sfb_base.json"
    result_file evil.json 9 "" "$(printf 'BM_\033[31m\342\200\256evil')"
    expect 0 "" -- "$sfb" compare --no-test "$work/evil.json" "$work/evil.json"
    expect 0 "" -- "$sfb" report "$work/evil.json"
    expect 0 "" -- "$sfb" compare --no-test --format json "$work/evil.json" "$work/evil.json"
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/out" ||
        fail "JSON output no longer parses"
    # A benchmark name of a megabyte: refused by its length, not a stack overflow in --filter.
    python3 -c '
import json, sys
e = {"name": "BM_" + "a" * 1000000, "real_time": 1, "cpu_time": 1, "time_unit": "us"}
open(sys.argv[1], "w").write(json.dumps({"benchmarks": [e] * 9}))' "$work/longname.json"
    expect 2 "the name is 1000003 bytes long" -- "$sfb" compare --no-test --filter 'a.*b' \
        "$work/longname.json" "$work/longname.json"
    long=$(python3 -c 'print("x" * 100000)')
    expect 2 "more bytes)" -- "$sfb" compare "$work/$long" "$work/missing.json"
    expect 0 "" -- env FAKE_MODE=hostile_name "$sfb" run --bench "$fake" --no-store \
        --repetitions 1 --verbose
    expect 2 "unknown option" -- "$sfb" run "--$(printf '\033]0;title\007')"
    ;;
duplicate_keys)
    # JSON that says one thing twice is refused, at any depth, naming the file and the key.
    printf '{"context": {}, "context": {}, "benchmarks": []}' >"$work/top.json"
    expect 2 "top.json: ambiguous JSON: the key \"context\" appears twice" -- "$sfb" report \
        "$work/top.json"
    result_file nested.json 9 ', "real_time": 99'
    expect 2 "nested.json: ambiguous JSON: the key \"real_time\" appears twice in the object at /benchmarks/0" -- \
        "$sfb" compare --no-test "$work/nested.json" "$data/sfb_base.json"
    printf '{"context": {"a": [{"k": 1, "k": 2}]}, "benchmarks": []}' >"$work/deep.json"
    expect 2 "the key \"k\" appears twice in the object at /context/a/0" -- "$sfb" export \
        --format bencher "$work/deep.json"
    # The same key in different objects is fine.
    expect 0 "" -- "$sfb" compare --no-test "$data/sfb_base.json" "$data/sfb_same.json"
    ;;
output_is_input)
    # An output that is also an input is refused before anything is written.
    cp "$data/sfb_base.json" "$work/in.json"
    before=$(cksum <"$work/in.json")
    expect 2 "--output $work/in.json: is also an input" -- "$sfb" export --format bencher \
        --output "$work/in.json" "$work/in.json"
    expect 2 "--summary $work/in.json: is also an input" -- "$sfb" compare --no-test \
        --summary "$work/in.json" "$data/sfb_same.json" "$work/in.json"
    ln "$work/in.json" "$work/hard.json"
    expect 2 "is also an input" -- "$sfb" export --format bencher --output "$work/hard.json" \
        "$work/in.json"
    mkdir "$work/r"
    cp "$data/sfb_same.json" "$work/r/x.json"
    expect 2 "is also an input" -- "$sfb" export --format bencher --output "$work/r/x.json" \
        "$work/r"
    expect 2 "is also an input" -- "$sfb" run --bench "$fake" --no-store --output "$fake"
    expect 2 "--save-candidate $work/s.json: is also --save-base" -- "$sfb" ab --base "$fake" \
        --candidate "$fake" --rounds 20 --save-base "$work/s.json" --save-candidate "$work/s.json"
    # A summary nobody can take (a FIFO without a reader) is refused, not waited on.
    mkfifo "$work/fifo.md"
    expect 2 "--summary $work/fifo.md: cannot be written" -- "$sfb" compare --no-test \
        --summary "$work/fifo.md" "$data/sfb_base.json" "$data/sfb_same.json"
    [ "$(cksum <"$work/in.json")" = "$before" ] || fail "an input was changed"
    expect 0 "" -- "$sfb" export --format bencher --output "$work/fresh.json" "$work/in.json"
    ;;
orphans)
    # kill -9 of sfb run: the benchmark program dies with it, and the next run removes the
    # temporary folder the killed one left.
    mkdir "$work/tmp"
    TMPDIR="$work/tmp" FAKE_MODE=ignore_term "$sfb" run --bench "$fake" --no-store \
        --repetitions 1 >/dev/null 2>&1 &
    pid=$!
    child=
    for _ in $(seq 50); do  # the stand-in execs sleep: sfb's child is the sleeping one
        child=$(pgrep -P $pid -x sleep)
        [ -n "$child" ] && break
        sleep 0.1
    done
    [ -n "$child" ] || { kill -9 $pid; fail "the benchmark program never started"; }
    kill -9 $pid
    wait $pid 2>/dev/null
    # Alive: it exists and is not a zombie (an init that does not reap leaves those).
    alive() { [ -e "/proc/$1" ] && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }
    for _ in $(seq 50); do
        alive "$child" || break
        sleep 0.1
    done
    if alive "$child"; then
        kill -9 "$child"
        fail "the benchmark program outlived sfb (kill -9)"
    fi
    [ -n "$(ls "$work/tmp")" ] || fail "no temporary folder to clean (kill -9 runs no destructor)"
    ls -A "$work/tmp"/sfb-* | grep -q .sfb-owner || fail "the folder does not name its owner"
    TMPDIR="$work/tmp" expect 0 "" -- "$sfb" run --bench "$fake" --no-store --repetitions 1
    [ -z "$(ls -A "$work/tmp")" ] || fail "left behind: $(ls -A "$work/tmp")"
    # A live sfb's folder is kept.
    TMPDIR="$work/tmp" FAKE_MODE=ignore_term "$sfb" run --bench "$fake" --no-store \
        --repetitions 1 >/dev/null 2>&1 &
    pid=$!
    sleep 1
    TMPDIR="$work/tmp" expect 0 "" -- "$sfb" run --bench "$fake" --no-store --repetitions 1
    [ -n "$(ls -A "$work/tmp")" ] || { kill -9 $pid; fail "a live run's folder was removed"; }
    kill -9 $pid
    ;;
kernels_messages)
    # sfb kernels names what is wrong with its own options, and its help states its codes.
    expect 2 "--build /nonexistent: no build folder" -- "$sfb" kernels --kernel x --no-store \
        --build /nonexistent
    expect 2 "--vm-script /nonexistent: no such file" -- "$sfb" kernels --kernel x --no-store \
        --vm-script /nonexistent
    grep -q -- "--bench" "$work/err" && fail "names --bench, which sfb kernels does not have"
    expect 0 "" -- "$sfb" kernels --help
    # Each exit code listed once; interrupted is 3, as a stand-in VM script shows.
    codes=$(grep -E '^  [0-9]  ' "$work/out" | cut -c3 | sort | uniq -d)
    [ -z "$codes" ] || fail "--help lists exit code $codes twice"
    grep -qE '^  3  .*' "$work/out" && grep -q "interrupted" "$work/out" ||
        fail "--help does not say what an interruption returns"
    printf '#!/bin/sh\ntrap '"'"'kill $!; exit 130'"'"' TERM INT\nsleep 60 >/dev/null 2>&1 &\nwait\n' \
        >"$work/vm.sh"
    chmod +x "$work/vm.sh"
    mkdir "$work/build"
    "$sfb" kernels --kernel x --no-store --build "$work/build" --vm-script "$work/vm.sh" \
        >"$work/out" 2>"$work/err" &
    pid=$!
    sleep 1
    kill -INT $pid
    wait $pid
    got=$?
    [ $got -eq 3 ] || fail "interrupted sfb kernels exited $got; its help says 3"
    ;;
*)
    echo "unknown case $case_name"
    exit 1
    ;;
esac
echo "PASS: $case_name"
