# Sourced by the VM tests that need only a scratch folder:
#   source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh" NAME
# makes $work (removed on exit, under $TMPDIR as sfb-NAME.XXXXXX) and defines fail MESSAGE,
# which prints FAIL: MESSAGE and exits 1.
work=$(mktemp -d "${TMPDIR:-/tmp}/sfb-$1.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}
