#!/bin/sh
# `sfb run --target-ci PCT --max-rounds N` on a deterministic stand-in benchmark program: it
# stops as soon as every benchmark's 95% interval of the median is within +-PCT, keeps adding
# rounds while one is not, stops at the cap and names what did not converge.
# Usage: target_ci_test.sh SFB
. "$(dirname "$0")/stand_in_lib.sh"

# The stand-in: round r (counted in $work/rounds) reports, per benchmark named in
# FAKE_BENCHMARKS, a real time that depends only on r:
#   steady:   100 (+0.1 every third round): converges at once;
#   settling: 130 and 70 alternately for 6 rounds, then 100: at 15 rounds the interval of the
#             median, [x(4), x(12)], is [100, 100];
#   noisy:    50 and 150 alternately: never within 5%.
cat >"$work/fake_bench" <<'BENCH'
#!/bin/sh
dir=$(dirname "$0")
out=
for arg in "$@"; do
    case $arg in
    --benchmark_list_tests=true)
        for b in $FAKE_BENCHMARKS; do echo "BM_$b"; done
        exit 0 ;;
    --benchmark_out=*) out=${arg#--benchmark_out=} ;;
    esac
done
r=$(($(cat "$dir/rounds" 2>/dev/null || echo 0) + 1))
echo $r >"$dir/rounds"
entries=
for b in $FAKE_BENCHMARKS; do
    case $b in
    steady) t="100.$((r % 3))" ;;
    settling) if [ $r -gt 6 ]; then t=100; elif [ $((r % 2)) -eq 1 ]; then t=130; else t=70; fi ;;
    noisy) if [ $((r % 2)) -eq 1 ]; then t=50; else t=150; fi ;;
    esac
    [ -n "$entries" ] && entries="$entries,"
    entries="$entries{\"name\":\"BM_$b\",\"run_name\":\"BM_$b\",\"run_type\":\"iteration\",\"repetitions\":1,\"repetition_index\":0,\"threads\":1,\"iterations\":10,\"real_time\":$t,\"cpu_time\":$t,\"time_unit\":\"us\"}"
    echo "BM_$b $t us $t us 10"
done
printf '{"context":{"date":"2026-12-01T00:00:00+00:00","host_name":"fake","executable":"fake","num_cpus":1,"mhz_per_cpu":1,"cpu_scaling_enabled":false,"library_build_type":"release"},"benchmarks":[%s]}\n' "$entries" >"$out"
BENCH
chmod +x "$work/fake_bench"

# run FAKE_BENCHMARKS SFB-OPTIONS...: one sfb run; sets $status, $rounds and $work/out.
run() {
    rm -f "$work/rounds" "$work/merged.json"
    names=$1
    shift
    FAKE_BENCHMARKS=$names "$sfb" run --bench "$work/fake_bench" --no-store --warmup 0.01 \
        --output "$work/merged.json" "$@" >"$work/out" 2>&1
    status=$?
    rounds=$(cat "$work/rounds" 2>/dev/null || echo 0)
}

run "steady" --repetitions 6 --target-ci 5% --max-rounds 20
[ $status -eq 0 ] || fail "steady: exit $status"
[ "$rounds" -eq 6 ] || fail "steady: $rounds rounds, expected the first 6 only"
grep -q '"sfb_harness_rounds": "6"' "$work/merged.json" || grep -q '"sfb_harness_rounds": 6' "$work/merged.json" ||
    fail "steady: the stored result does not say 6 rounds"

run "steady settling" --repetitions 6 --target-ci 5% --max-rounds 20
[ $status -eq 0 ] || fail "settling: exit $status"
[ "$rounds" -eq 15 ] || fail "settling: $rounds rounds, expected 15"
grep -q "every benchmark within" "$work/out" || fail "settling: no convergence message"

run "steady noisy" --repetitions 6 --target-ci 5% --max-rounds 10
[ $status -eq 0 ] || fail "noisy: exit $status"
[ "$rounds" -eq 10 ] || fail "noisy: $rounds rounds, expected the cap of 10"
grep -q "did not converge" "$work/out" || fail "noisy: no 'did not converge'"
grep "did not converge" -A3 "$work/out" | grep -q "BM_noisy" || fail "noisy: BM_noisy not named"
if grep "did not converge" -A3 "$work/out" | grep -q "BM_steady"; then
    fail "noisy: BM_steady named though it converged"
fi

# Bad usage: exit 2 with a message, nothing run.
for bad in "--target-ci 0%" "--target-ci 5% --max-rounds 3 --repetitions 6" "--max-rounds 12" \
    "--target-ci abc"; do
    # shellcheck disable=SC2086
    run "steady" $bad
    [ $status -eq 2 ] || fail "'$bad': exit $status, expected 2"
    [ "$rounds" -eq 0 ] || fail "'$bad': ran $rounds rounds"
done
echo "PASS: --target-ci stopped at 6, 15 and the cap of 10 rounds, and named BM_noisy"
