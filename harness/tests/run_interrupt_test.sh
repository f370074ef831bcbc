#!/bin/sh
# Ctrl-C during `sfb run`: sfb stops the benchmark program, exits non-zero with a message,
# removes its temporary folder and stores nothing. Usage: run_interrupt_test.sh SFB
set -u
sfb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tmp" "$work/results"
# A stand-in benchmark program: lists one benchmark, then takes 30 s to run it.
cat >"$work/slow_bench" <<'BENCH'
#!/bin/sh
for arg in "$@"; do
    if [ "$arg" = "--benchmark_list_tests=true" ]; then
        echo BM_slow
        exit 0
    fi
done
exec sleep 30
BENCH
chmod +x "$work/slow_bench"

TMPDIR="$work/tmp" "$sfb" run --bench "$work/slow_bench" --results-dir "$work/results" \
    --repetitions 2 >"$work/out" 2>&1 &
pid=$!
i=0
while [ -z "$(ls -A "$work/tmp")" ] && [ $i -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
done
[ -n "$(ls -A "$work/tmp")" ] || { echo "FAIL: sfb never made its temporary folder"; kill -9 $pid; exit 1; }
sleep 0.3
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
if kill -0 $pid 2>/dev/null; then
    echo "FAIL: sfb still running 5 s after SIGINT"
    kill -9 $pid
    exit 1
fi
wait $pid
status=$?
cat "$work/out"
[ $status -ne 0 ] || { echo "FAIL: exit 0 after SIGINT"; exit 1; }
[ -z "$(ls -A "$work/tmp")" ] || { echo "FAIL: left behind: $(ls -A "$work/tmp")"; exit 1; }
[ -z "$(ls -A "$work/results")" ] || { echo "FAIL: something was stored"; exit 1; }
grep -q "interrupted by" "$work/out" || { echo "FAIL: no message saying why"; exit 1; }
echo "PASS: interrupted run exited $status, no temporary folder, nothing stored"
