# Sourced by the tests that drive sfb with stand-in benchmark programs (target_ci_test.sh,
# sequential_gate_test.sh): SFB from $1, a scratch folder $work removed on exit, and fail(),
# which prints the last output ($work/out) and exits 1.
set -u
sfb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*"
    cat "$work/out" 2>/dev/null
    exit 1
}
