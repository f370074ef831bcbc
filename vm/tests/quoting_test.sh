#!/usr/bin/env bash
# vm/sfb-vm.sh passes every path and value on intact, whatever it holds (ctest vm.quoting): a
# build tree, a kernel image and a TMPDIR whose names hold a comma, a space, both quotes, a $
# and a non-ASCII character reach qemu's option lists (commas doubled in -drive), the guest's
# sourced config and its test commands byte for byte; numbers out of range and newlines are
# refused up front (exit 2, named). A dry run (--dry-run) stages everything and boots nothing.
# Exit 77 (skipped, with the reason) without busybox or cpio.
set -uo pipefail
script=$1

skip() {
    echo "SKIPPED: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    [ -f "$root/err" ] && tail -n 20 "$root/err"
    exit 1
}
for tool in busybox cpio qemu-system-x86_64; do
    command -v "$tool" >/dev/null || skip "$tool is missing (./bootstrap.sh --deps-only installs it)"
done
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
odd="a,b c'd\"e \$(false) é"
build="$root/build $odd"
for program in harness/sfb benchmarks/bench_sendfile core/tests/sfb_core_tests \
    core/tests/sfb_c_abi_test core/examples/send_file; do
    mkdir -p "$(dirname "$build/$program")"
    cp /bin/true "$build/$program"
done
image="$root/kernel $odd/vmlinuz"
mkdir -p "$(dirname "$image")"
echo "not a kernel" >"$image"
export TMPDIR="$root/tmp $odd"
mkdir -p "$TMPDIR"
out="$root/out"

"$script" --kernel "$image" --output "$out" --build "$build" --tests --warmup 0.5 --dry-run \
    -- "--arg=$odd" >"$root/log" 2>"$root/err" || fail "the dry run failed"

# qemu: the image and the initramfs whole; -drive's file= with its commas doubled.
mapfile -t args <"$out/qemu.args"
for i in "${!args[@]}"; do
    case ${args[$i]} in
        -kernel) [ "${args[$((i + 1))]}" = "$image" ] || fail "-kernel got '${args[$((i + 1))]}'" ;;
        -initrd) [[ "${args[$((i + 1))]}" == "$TMPDIR"/sfb-vm.*/initrd.cpio ]] ||
            fail "-initrd got '${args[$((i + 1))]}'" ;;
        -drive) drive=${args[$((i + 1))]} ;;
    esac
done
[[ "${drive:-}" == "file=${TMPDIR//,/,,}"/sfb-vm.*/out.img,format=raw,if=none,id=out ]] ||
    fail "-drive got '${drive:-}', not its path with the commas doubled"

# The guest's shell reads back exactly what the host meant.
got=$(busybox sh -c '. "$1"; printf "%s|%s|%s" "$SFB_HARNESS" "$SFB_BENCH" "$SFB_WARMUP"' sh \
    "$out/config")
[ "$got" = "$build/harness/sfb|$build/benchmarks/bench_sendfile|0.5" ] ||
    fail "the guest's config reads back as '$got'"
got=$(busybox sh -c 'while read -r name command; do eval "set -- $command"; printf "%s|" "$name" "$@"; echo; done' \
    <"$out/tests" | head -n 1)
[ "$got" = "sfb_core_tests|$build/core/tests/sfb_core_tests|--gtest_filter=-*Over2GiB*|" ] ||
    fail "the guest's test command reads back as '$got'"

# Refused up front, each named: numbers out of range or malformed, a newline in a path.
refused() {  # refused TEXT ARGS...: exit 2 with TEXT on stderr
    local text=$1
    shift
    "$script" --kernel "$image" --output "$out" --build "$build" --dry-run "$@" \
        >"$root/log" 2>"$root/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "exit $rc, expected 2: $*"
    grep -qF -- "$text" "$root/err" || fail "stderr lacks '$text': $*"
}
refused "--cpus: '99999999999999999999' is not a whole number from 1 to 255" --cpus 99999999999999999999
refused "--cpus: '256' is not a whole number from 1 to 255" --cpus 256
refused "--timeout: '9223372036854775808' is not a whole number" --timeout 9223372036854775808
refused "--rounds: '0' is not a whole number" --rounds 0
refused "--memory: '1,5G' is not a guest memory size" --memory 1,5G
refused "--memory: '9999999G' is not a guest memory size" --memory 9999999G
refused "--warmup: '1;reboot' is not a number of seconds" --warmup '1;reboot'
refused "holds a newline" -- "$(printf 'a\nb')"
# --out, the spelling before --output, still works.
"$script" --kernel "$image" --out "$out" --build /nonexistent --dry-run >"$root/log" 2>"$root/err"
grep -qF "no build folder '/nonexistent'" "$root/err" || fail "the missing build folder is not named"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left behind in TMPDIR: $(ls -A "$TMPDIR")"
echo "PASS: hostile paths reach qemu and the guest intact; bad values refused"
