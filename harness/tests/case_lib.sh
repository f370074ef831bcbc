# Sourced by the scripts that run one case per ctest (sfb_faults_test.sh,
# sfb_hostile_input_test.sh): SFB, DATA and CASE from $1 to $3, the stand-in program $fake, a
# scratch folder $work removed on exit, fail(), and expect_status, which runs a command bounded
# to 60 s and checks its exit status and its standard error.
set -u
sfb=$1
data=$2
case_name=$3
here=$(cd "$(dirname "$0")" && pwd)
fake="$here/fake_bench.sh"
work=$(mktemp -d)
chmod 755 "$work"
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*"
    echo "--- stdout:"; head -c 4000 "$work/out" 2>/dev/null
    echo "--- stderr:"; head -c 4000 "$work/err" 2>/dev/null
    exit 1
}
# expect_status STATUS TEXT -- COMMAND...: runs COMMAND, checks its exit status and that stderr
# contains TEXT; a command still running after 60 s is a hang.
expect_status() {
    want=$1 text=$2
    shift 3
    timeout 60 "$@" >"$work/out" 2>"$work/err" </dev/null
    got=$?
    [ $got -ne 124 ] || fail "timed out (hang): $*"
    [ $got -eq "$want" ] || fail "exit $got, expected $want: $*"
    [ -z "$text" ] || grep -qF -- "$text" "$work/err" || fail "stderr lacks \"$text\": $*"
}
