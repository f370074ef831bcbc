#!/usr/bin/env bash
# The CI performance gate: build the base and the candidate, run `sfb ab --paired` on them,
# keep the Markdown summary, the merged results and the dashboard exports. It is what
# .github/workflows/perf-gate.yml runs on a pull request, and what the ctest ci.perf_gate runs
# here end to end, so the workflow's steps are tested even though the hosted runner is not.
set -euo pipefail

readonly EXIT_OK=0 EXIT_REGRESSION=1 EXIT_USAGE=2 EXIT_FAILED=3

usage() {
    cat <<'EOF'
usage: harness/ci/perf_gate.sh [options] [-- BENCHMARK ARGS...]

Builds the base and the candidate with the release preset, runs the regression gate
(sfb ab --paired: both builds interleaved round by round, Wilcoxon signed-rank test with
Holm's correction), and writes into the output folder:
  summary.md                    the gate's Markdown report (also appended to --summary)
  gate.json                     the same comparison as `sfb compare --format json`
  base.json, candidate.json     each side's merged results
  github-action-benchmark-bigger.json, github-action-benchmark-smaller.json, bencher.json
                                the candidate's results for dashboards (sfb export)
  exit_code                     the gate's exit code

Where the builds come from (the candidate's sfb runs the gate for both sides):
  --base-dir DIR          source tree of the base; built into DIR/build/release
  --candidate-dir DIR     source tree of the candidate (default: this script's checkout)
  --base-bench PATH       a built bench_sendfile to use as the base instead of building one
  --candidate-bench PATH  the same for the candidate
  --sfb PATH              the sfb to run the gate with (default: the candidate build's)

Where the gate runs (default: on this machine):
  --kernel SPEC           in one qemu guest of this kernel (sfb ab --kernel: an image, or a
                          Debian package name or glob such as 'linux-image-6.1.0-*-cloud-amd64');
                          needs qemu-system-x86, busybox-static and cpio, no KVM
  --clock wall|instructions
                          the guest's clock (with --kernel; default wall): instructions counts
                          guest instructions (qemu's -icount), which a busy or shared runner
                          cannot stretch, so a 1% threshold holds (vm/README.md, "The gate on
                          the instruction clock")

Gate:
  --rounds N              rounds of sfb ab before each look (default 15)
  --max-rounds N          rounds at most: sfb ab adds rounds until the answer is clear (default
                          45, or --rounds when only --rounds is given: a fixed number)
  --time-limit MINUTES    start no batch of rounds that would end after MINUTES (default 5)
  --threshold PCT         smallest change that counts (default 5%; 1% with --clock instructions)
  --gate-option OPT       a comparison option for sfb ab (--gate, --alpha (default 0.01),
                          --correction), e.g. --gate-option=--gate=real_time (repeatable)
  -- ARGS                 benchmark arguments for both builds (default: a small sweep of
                          read_send, sendfile and splice, discard receiver, an 8 MiB file,
                          64 KiB blocks, placement split, 0.3 s per benchmark and round; with
                          --kernel a 1 MiB file, placement same, 0.05 s: a 1-vCPU guest
                          under TCG)

Output:
  --output DIR            output folder (default: perf-gate; created, must be empty or new)
  --summary FILE          also append the Markdown report to FILE (default: $GITHUB_STEP_SUMMARY
                          when it is set)
  -h, --help              this help

exit codes (those of sfb ab, so a workflow step fails exactly when the gate does):
  0  no regression
  1  at least one benchmark regressed
  2  bad usage or input (the message says what)
  3  a build failed, a benchmark program failed, or an output could not be written
Every output that could be made is written whatever the exit code.
EOF
}

fail() {
    local code=$1
    shift
    echo "perf_gate.sh: $*" >&2
    exit "$code"
}

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
base_dir="" candidate_dir="$(cd "$script_dir/../.." && pwd)"
base_bench="" candidate_bench="" sfb=""
rounds="" max_rounds="" time_limit="" threshold="" out="perf-gate" summary="${GITHUB_STEP_SUMMARY:-}"
kernel="" clock=""
gate_options=() bench_args=()

need_value() {
    [[ $# -ge 2 && -n $2 ]] || fail $EXIT_USAGE "$1 needs a value (try --help)"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help) usage; exit $EXIT_OK ;;
        --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}"; continue ;;
        --base-dir) need_value "$@"; base_dir=$2; shift ;;
        --candidate-dir) need_value "$@"; candidate_dir=$2; shift ;;
        --base-bench) need_value "$@"; base_bench=$2; shift ;;
        --candidate-bench) need_value "$@"; candidate_bench=$2; shift ;;
        --sfb) need_value "$@"; sfb=$2; shift ;;
        --rounds) need_value "$@"; rounds=$2; shift ;;
        --max-rounds) need_value "$@"; max_rounds=$2; shift ;;
        --time-limit) need_value "$@"; time_limit=$2; shift ;;
        --threshold) need_value "$@"; threshold=$2; shift ;;
        --kernel) need_value "$@"; kernel=$2; shift ;;
        --clock) need_value "$@"; clock=$2; shift ;;
        --gate-option) need_value "$@"; gate_options+=("$2"); shift ;;
        # --out: the spelling before sfb's --output, still accepted (not in --help).
        --output | --out) need_value "$@"; out=$2; shift ;;
        --summary) need_value "$@"; summary=$2; shift ;;
        --) shift; bench_args=("$@"); break ;;
        *) fail $EXIT_USAGE "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

# The sequential plan is sfb ab's; only what was given is passed on (its defaults: looks every
# 15 rounds, 45 at most, a 5-minute limit; --rounds alone: a fixed number of rounds).
plan=()
for option in rounds max-rounds; do
    value=${option//-/_}
    value=${!value}
    if [[ -n $value ]]; then
        # Checked before bash compares it: past 2^63 its arithmetic wraps silently.
        [[ $value =~ ^[1-9][0-9]{0,8}$ ]] && ((value <= 100000)) ||
            fail $EXIT_USAGE "--$option: '$value' is not a whole number from 1 to 100000"
        plan+=("--$option" "$value")
    fi
done
if [[ -n $time_limit ]]; then
    [[ $time_limit =~ ^[0-9]+([.][0-9]+)?$ ]] ||
        fail $EXIT_USAGE "--time-limit: '$time_limit' is not a number of minutes"
    plan+=(--time-limit "$time_limit")
fi
[[ -n $base_dir || -n $base_bench ]] || fail $EXIT_USAGE "name the base: --base-dir or --base-bench"
# In a guest: sfb ab --kernel, which checks the SPEC itself; the instruction clock brings its
# own default threshold (sfb ab's), the host's is 5%.
guest=()
if [[ -n $clock ]]; then
    [[ -n $kernel ]] || fail $EXIT_USAGE "--clock needs --kernel SPEC (it is the guest's clock)"
    [[ $clock == wall || $clock == instructions ]] ||
        fail $EXIT_USAGE "--clock: '$clock' is not wall or instructions"
fi
if [[ -n $kernel ]]; then
    guest=(--kernel "$kernel" --clock "${clock:-wall}")
fi
threshold_option=()
if [[ -n $threshold ]]; then
    threshold_option=(--threshold "$threshold")
elif [[ $clock != instructions ]]; then
    threshold_option=(--threshold 5%)
fi
if [[ ${#bench_args[@]} -eq 0 && -n $kernel ]]; then
    # shellcheck disable=SC2054  # the commas are inside the flags' values
    bench_args=(--sfb_paths=read_send,sendfile,splice --sfb_file_sizes=1M --sfb_block_sizes=64K
                --sfb_receiver=discard --benchmark_min_time=0.05)
elif [[ ${#bench_args[@]} -eq 0 ]]; then
    # shellcheck disable=SC2054  # the commas are inside the flags' values
    bench_args=(--sfb_paths=read_send,sendfile,splice --sfb_file_sizes=8M --sfb_block_sizes=64K
                --sfb_receiver=discard --sfb_placement=split)
fi
if [[ -e $out && -n $(ls -A "$out" 2>/dev/null) ]]; then
    fail $EXIT_USAGE "--output $out exists and is not empty (the gate never mixes two runs' files)"
fi
mkdir -p "$out" || fail $EXIT_FAILED "cannot create the output folder $out"
out=$(cd "$out" && pwd)
# The summary is appended to after the gate wrote its files: inside --output it would be one of
# them (base.json, which the exports then read), so it is refused.
if [[ -n $summary ]]; then
    summary_dir=$(cd "$(dirname "$summary")" 2>/dev/null && pwd) ||
        fail $EXIT_USAGE "--summary $summary: its folder does not exist"
    [[ $summary_dir != "$out" ]] ||
        fail $EXIT_USAGE "--summary $summary: is inside --output $out, whose files the gate writes"
fi

# Builds the release preset of one source tree; the targets are what that side needs.
build() {
    local side=$1 dir=$2
    shift 2
    [[ -f $dir/CMakePresets.json ]] ||
        fail $EXIT_USAGE "--$side-dir $dir is not a sendfile-bench source tree (no CMakePresets.json)"
    echo "perf_gate.sh: building the $side in $dir (release preset: $*)" >&2
    (cd "$dir" && cmake --preset release -DSFB_BUILD_TESTS=OFF >"$out/build-$side.log" 2>&1 &&
        cmake --build build/release --target "$@" >>"$out/build-$side.log" 2>&1) ||
        fail $EXIT_FAILED "the $side failed to build; the log is $out/build-$side.log"
}

if [[ -z $candidate_bench || -z $sfb ]]; then
    build candidate "$candidate_dir" bench_sendfile sfb
    candidate_bench=${candidate_bench:-$candidate_dir/build/release/benchmarks/bench_sendfile}
    sfb=${sfb:-$candidate_dir/build/release/harness/sfb}
fi
if [[ -z $base_bench ]]; then
    build base "$base_dir" bench_sendfile
    base_bench=$base_dir/build/release/benchmarks/bench_sendfile
fi
for program in "$base_bench" "$candidate_bench" "$sfb"; do
    [[ -x $program ]] || fail $EXIT_USAGE "$program is not an executable program"
done

# The gate. Its exit code is the script's, after everything else is written.
threshold_said="sfb ab's default for the clock"
[[ ${#threshold_option[@]} -eq 0 ]] || threshold_said=${threshold_option[1]}
where="on this machine"
[[ -z $kernel ]] || where="in a guest of $kernel (${clock:-wall} clock)"
echo "perf_gate.sh: gate $where: ${plan[*]:-the defaults of sfb ab}, threshold $threshold_said, benchmark args: ${bench_args[*]}" >&2
gate=0
"$sfb" ab --base "$base_bench" --candidate "$candidate_bench" ${plan[@]+"${plan[@]}"} \
    ${guest[@]+"${guest[@]}"} ${threshold_option[@]+"${threshold_option[@]}"} --format markdown \
    --save-base "$out/base.json" --save-candidate "$out/candidate.json" \
    --save-comparison "$out/gate.json" ${gate_options[@]+"${gate_options[@]}"} -- "${bench_args[@]}" \
    >"$out/summary.md" || gate=$?
echo "$gate" >"$out/exit_code"
if [[ -n $summary && -s $out/summary.md ]]; then
    cat "$out/summary.md" >>"$summary" || fail $EXIT_FAILED "cannot append to --summary $summary"
fi
if [[ $gate -ne $EXIT_OK && $gate -ne $EXIT_REGRESSION ]]; then
    fail "$gate" "the gate could not decide (sfb ab exited $gate; its message is above)"
fi

# The same comparison as JSON (gate.json, written by sfb ab), for tools: plots/sfb_plots.py
# compare draws it. Its verdict must be the gate's.
if ! grep -q "\"regression\": $([[ $gate -eq 1 ]] && echo true || echo false)" "$out/gate.json"; then
    fail $EXIT_FAILED "gate.json does not hold the gate's verdict (exit $gate)"
fi

# Dashboard exports of the candidate.
if "$sfb" export --help >/dev/null 2>&1; then
    for format in github-action-benchmark-bigger github-action-benchmark-smaller bencher; do
        "$sfb" export --format "$format" --output "$out/$format.json" "$out/candidate.json" ||
            fail $EXIT_FAILED "sfb export --format $format failed"
    done
else
    echo "perf_gate.sh: note: this sfb has no 'export' command; no dashboard exports written" >&2
fi

case $gate in
    0) echo "perf_gate.sh: no regression; outputs in $out" >&2 ;;
    1) echo "perf_gate.sh: REGRESSION (see $out/summary.md); outputs in $out" >&2 ;;
esac
exit "$gate"
