#!/bin/sh
# `sfb ab`'s sequential gate on deterministic stand-in benchmark programs: it stops at the
# first look when the answer is clear (no change, or a regression), adds rounds up to
# --max-rounds while it is not and while another batch fits in --time-limit, and --rounds alone
# keeps a fixed number of rounds. The cases pass --alpha 0.05 unless they test ab's default.
# Usage: sequential_gate_test.sh SFB
. "$(dirname "$0")/stand_in_lib.sh"

# make_program DIR MODE: a stand-in whose round r (counted in DIR/rounds) reports BM_gate with
# a real time that depends only on r and MODE:
#   base:  100, 101, 102, 100, ... (r mod 3 added)
#   slow:  the base's time plus 20 (+20%): a regression at the first look
#   noisy: the base's time plus 10 and minus 10 alternately: never clear within 5%
make_program() {
    mkdir -p "$1"
    echo "$2" >"$1/mode"
    cat >"$1/bench" <<'BENCH'
#!/bin/sh
dir=$(dirname "$0")
out=
for arg in "$@"; do
    case $arg in
    --benchmark_list_tests=true) echo BM_gate; exit 0 ;;
    --benchmark_out=*) out=${arg#--benchmark_out=} ;;
    esac
done
r=$(($(cat "$dir/rounds" 2>/dev/null || echo 0) + 1))
echo $r >"$dir/rounds"
t=$((100 + r % 3))
case $(cat "$dir/mode") in
slow) t=$((t + 20)) ;;
noisy) if [ $((r % 2)) -eq 1 ]; then t=$((t + 10)); else t=$((t - 10)); fi ;;
esac
echo "BM_gate $t us $t us 10"
printf '{"context":{"date":"2026-12-01T00:00:00+00:00","host_name":"fake","executable":"fake","num_cpus":1,"mhz_per_cpu":1,"cpu_scaling_enabled":false,"library_build_type":"release"},"benchmarks":[{"name":"BM_gate","run_name":"BM_gate","run_type":"iteration","repetitions":1,"repetition_index":0,"threads":1,"iterations":10,"real_time":%s,"cpu_time":%s,"time_unit":"us"}]}\n' "$t" "$t" >"$out"
BENCH
    chmod +x "$1/bench"
}

# gate CANDIDATE-MODE SFB-AB-OPTIONS...: one sfb ab; sets $status, $rounds and $work/out.
gate() {
    rm -rf "$work/base" "$work/candidate"
    make_program "$work/base" base
    make_program "$work/candidate" "$1"
    shift
    # shellcheck disable=SC2086  # $alpha is an option and its value, or nothing
    "$sfb" ab --base "$work/base/bench" --candidate "$work/candidate/bench" --warmup 0.01 \
        --gate real_time $alpha "$@" >"$work/out" 2>&1
    status=$?
    rounds=$(cat "$work/candidate/rounds" 2>/dev/null || echo 0)
}

expect() {  # expect STATUS ROUNDS TEXT: the last gate's exit code, rounds and output
    [ "$status" -eq "$1" ] || fail "$case: exit $status, expected $1"
    [ "$rounds" -eq "$2" ] || fail "$case: $rounds rounds, expected $2"
    [ -z "$3" ] || grep -qF -- "$3" "$work/out" || fail "$case: output lacks \"$3\""
}

alpha="--alpha 0.05"

case="no change"
gate base --rounds 8 --max-rounds 24
expect 0 8 "stopped at look 1 of 3 after 8 rounds (every gating metric's 95% interval"
grep -qF "alpha 0.05 / 3 = 0.01667" "$work/out" || fail "$case: the look's level is not named"

case="regression"
gate slow --rounds 8 --max-rounds 24
expect 1 8 "stopped at look 1 of 3 after 8 rounds (a regression was significant)"

case="undecided"
gate noisy --rounds 8 --max-rounds 24
expect 0 24 "stopped at look 3 of 3 after 24 rounds (the round cap was reached)"

case="fixed rounds"
gate noisy --rounds 8
expect 0 8 ""
if grep -q "sequential gate" "$work/out"; then fail "$case: one look is not sequential"; fi

case="out of time"
gate noisy --rounds 8 --max-rounds 24 --time-limit 0.0001
expect 0 8 "stopped at look 1 of 3 after 8 rounds (another 8 rounds would have ended after the time limit of 0.0001 minutes)"

case="time limit not a number"
gate base --rounds 8 --time-limit soon
expect 2 0 "time-limit"

case="default alpha"
alpha=""
gate slow --rounds 8
expect 1 8 "p gate < 0.01 "
gate base --rounds 8 --max-rounds 24
expect 2 0 "too few for the Wilcoxon signed-rank test at alpha 0.003333"
alpha="--alpha 0.05"

case="too few rounds for the gating tests"
gate base --rounds 6 --gate real_time,cpu_time
expect 2 0 "--rounds 6 is too few for the Wilcoxon signed-rank test at alpha 0.05 over 2 gating tests (Holm); use 7 or more"

case="cap below the batch"
gate base --rounds 8 --max-rounds 4
expect 2 0 "--max-rounds 4 is below --rounds 8"

case="both tests"
gate base --rounds 8 --paired --unpaired
expect 2 0 "--paired and --unpaired exclude each other"

case="too few rounds for the looks"
gate base --rounds 6 --max-rounds 60
expect 2 0 "too few for the Wilcoxon signed-rank test at alpha 0.005"
echo "PASS"
