# Sourced by the VM tests that need only a scratch folder:
#   source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh" NAME
# makes $work (removed on exit, under $TMPDIR as sfb-NAME.XXXXXX) and $stub_build (a stand-in build
# tree: harness/sfb and benchmarks/bench_sendfile are copies of /bin/true, enough for the VM
# script's checks and dry runs), and defines fail MESSAGE, which prints FAIL: MESSAGE and
# exits 1, and expect CODE TEXT COMMAND..., which runs COMMAND (60 s at most, its output in
# $work/out and $work/err) and fails unless it exits CODE with TEXT on stderr.
work=$(mktemp -d "${TMPDIR:-/tmp}/sfb-$1.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}
expect() {
    local code=$1 text=$2
    shift 2
    timeout 60 "$@" >"$work/out" 2>"$work/err" </dev/null
    local got=$?
    [ "$got" = "$code" ] || fail "exit $got, expected $code: $* ($(head -c 1000 "$work/err"))"
    [ -z "$text" ] || grep -qF -- "$text" "$work/err" || fail "stderr lacks '$text': $*
$(head -c 1000 "$work/err")"
}
stub_build=$work/build
for program in harness/sfb benchmarks/bench_sendfile; do
    mkdir -p "$(dirname "$stub_build/$program")"
    cp /bin/true "$stub_build/$program"
done
