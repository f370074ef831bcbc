#!/bin/sh
# The order in which `sfb ab` runs the two programs: rounds come in blocks of two, one A B and
# one B A, and which comes first is drawn per block, so neither side always runs first in the
# first round of a block. Two stand-in programs log their side on every round into one file.
# Usage: ab_order_test.sh SFB
. "$(dirname "$0")/stand_in_lib.sh"

# make_program DIR SIDE: a stand-in that reports BM_order at 100 us and appends SIDE to
# $work/order on every round it runs (not on the listing).
make_program() {
    mkdir -p "$1"
    cat >"$1/bench" <<BENCH
#!/bin/sh
out=
for arg in "\$@"; do
    case \$arg in
    --benchmark_list_tests=true) echo BM_order; exit 0 ;;
    --benchmark_out=*) out=\${arg#--benchmark_out=} ;;
    esac
done
echo $2 >>"$work/order"
echo "BM_order 100 us 100 us 10"
printf '{"context":{"date":"2026-12-01T00:00:00+00:00","host_name":"fake","executable":"fake","num_cpus":1,"mhz_per_cpu":1,"cpu_scaling_enabled":false,"library_build_type":"release"},"benchmarks":[{"name":"BM_order","run_name":"BM_order","run_type":"iteration","repetitions":1,"repetition_index":0,"threads":1,"iterations":10,"real_time":100,"cpu_time":100,"time_unit":"us"}]}\n' >"\$out"
BENCH
    chmod +x "$1/bench"
}

make_program "$work/base" base
make_program "$work/candidate" candidate
"$sfb" ab --base "$work/base/bench" --candidate "$work/candidate/bench" --warmup 0.01 \
    --rounds 40 --no-test >"$work/out" 2>&1 || fail "sfb ab exited $?"

lines=$(wc -l <"$work/order")
[ "$lines" -eq 80 ] || fail "$lines runs logged, expected 80 (40 rounds of two programs)"

# Four runs a block: each round has both sides, and the block's second round is the reverse
# of its first (A B B A or B A A B).
firsts=$(awk '
    { side[NR % 4] = $1 }
    NR % 4 == 0 {
        if (side[1] == side[2] || side[2] != side[3] || side[1] != side[0]) {
            printf "block %d is %s %s %s %s\n", NR / 4, side[1], side[2], side[3], side[0] > "/dev/stderr"
            bad = 1
        }
        print side[1]
    }
    END { exit bad }' "$work/order" | sort | uniq -c) || fail "a block is not A B B A or B A A B"

# 20 blocks: the chance that one side goes first in all of them is 2 in 2^20.
echo "$firsts" | grep -q ' base$' || fail "the base never went first in a block: $firsts"
echo "$firsts" | grep -q ' candidate$' || fail "the candidate never went first in a block: $firsts"
echo "PASS: 20 blocks, first in a block: $(echo $firsts)"
