#!/usr/bin/env bash
# Boots one kernel under qemu with a small initramfs and runs the suite (and optionally the
# core's tests) inside it; `sfb kernels` calls this once per kernel. See vm/README.md.
#
#   vm/sfb-vm.sh --kernel SPEC --output DIR --build BUILD_DIR [options] [-- BENCH ARGS...]
#   vm/sfb-vm.sh ... --ab BASE CANDIDATE [--ab-option ARG]... [-- BENCH ARGS...]
#
# SPEC: a kernel image (bzImage/vmlinuz), optionally IMAGE:MODULES_DIR (a lib/modules/<release>
# folder), or a Debian kernel package name or glob (linux-image-6.1.0-*-cloud-amd64), which is
# downloaded with apt-get and unpacked with dpkg-deb into the cache, never installed.
# Writes into DIR: run.json (the merged rounds, as `sfb run --output` writes them), vm.env
# (key=value: accelerator, qemu version, timings...), guest.env, tests.txt, tests/*.log,
# console.log. With --ab, `sfb ab` runs inside instead of `sfb run`: base.json, candidate.json,
# comparison.json, summary.txt (its output) and run.rc (its exit code: 0, 1 or 4). Exit codes:
# 0 done; 2 bad SPEC or usage; 3 the guest did not boot, panicked, timed out or the suite failed
# inside it; 130 interrupted (qemu stopped, temporaries removed).
set -euo pipefail

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'
options:
  --cpus N              vCPUs (default 2)
  --memory M            guest memory, qemu syntax (default 2G)
  --accel auto|kvm|tcg  auto: KVM when a short probe boot succeeds, TCG otherwise (default)
  --clock wall|instructions
                        the guest's clock: wall (default), or instructions: TCG with
                        qemu's -icount shift=0,sleep=off, 1 ns of guest time per
                        instruction executed, so the suite's times count instructions
                        (not with --accel kvm)
  --tests               also run the core's tests inside the guest
  --file-on tmpfs|ext4  where the benchmark's files live in the guest (default tmpfs)
  --rounds N            rounds of the suite (default 3)
  --warmup SECONDS      warm-up per benchmark and round (default 0.1)
  --cache DIR           downloaded kernels (default ${XDG_CACHE_HOME:-~/.cache}/sfb-kernels)
  --timeout SECONDS     the whole guest run, boot included (default 900)
  --boot-timeout S      from qemu's start until the guest's init runs (default 120)
  --no-bench            boot, run the tests (if --tests) and stop, without the suite
  --ab BASE CANDIDATE   run `sfb ab --base BASE --candidate CANDIDATE` inside instead of the
                        rounds (what `sfb ab --kernel` does); both are staged at their own
                        paths, a #! script with the programs it names by absolute path
  --ab-option ARG       one more argument for that `sfb ab` (repeat it; e.g. --rounds=10)
  --dry-run             stage everything, write DIR/qemu.args (qemu's arguments, one a
                        line), DIR/config, DIR/tests, DIR/ab_args (what the guest reads) and
                        DIR/initramfs.list (every file staged), boot nothing
EOF
}

die() {
    echo "sfb-vm: kernel '$spec': $1" >&2
    exit "${2:-3}"
}

spec=
out=
build=
cpus=2
memory=2G
accel=auto
clock=wall
tests=0
file_on=tmpfs
rounds=3
warmup=0.1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/sfb-kernels
timeout_s=900
boot_timeout=120
bench=1
dry_run=0
bench_args=()
ab_programs=()
ab_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel) spec=${2-}; shift ;;
        # --out: the spelling before sfb's --output, still accepted (not in --help).
        --output | --out) out=${2-}; shift ;;
        --build) build=${2-}; shift ;;
        --cpus) cpus=${2-}; shift ;;
        --memory) memory=${2-}; shift ;;
        --accel) accel=${2-}; shift ;;
        --clock) clock=${2-}; shift ;;
        --tests) tests=1 ;;
        --file-on) file_on=${2-}; shift ;;
        --rounds) rounds=${2-}; shift ;;
        --warmup) warmup=${2-}; shift ;;
        --cache) cache=${2-}; shift ;;
        --timeout) timeout_s=${2-}; shift ;;
        --boot-timeout) boot_timeout=${2-}; shift ;;
        --no-bench) bench=0 ;;
        --ab)
            [ $# -ge 3 ] || { echo "sfb-vm: --ab needs BASE and CANDIDATE" >&2; exit 2; }
            ab_programs=("$2" "$3")
            shift 2
            ;;
        --ab-option) ab_options+=("${2-}"); shift ;;
        --dry-run) dry_run=1 ;;
        -h | --help) usage; exit 0 ;;
        --) shift; bench_args=("$@"); break ;;
        *) echo "sfb-vm: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$spec" ] || { echo "sfb-vm: --kernel SPEC is required" >&2; exit 2; }
[ -n "$out" ] || die "--output DIR is required" 2
[ -n "$build" ] || die "--build BUILD_DIR is required" 2
case "$accel" in auto | kvm | tcg) ;; *) die "--accel must be auto, kvm or tcg" 2 ;; esac
case "$file_on" in tmpfs | ext4) ;; *) die "--file-on must be tmpfs or ext4" 2 ;; esac
# The instruction clock: qemu's -icount counts the instructions TCG executes and makes them
# the guest's clock (shift=0: 2^0 ns each); sleep=off jumps the clock to the next timer when
# every vCPU idles instead of letting it run in real time, so nothing of the host's pace
# reaches the guest's times. KVM runs the CPU natively: there is nothing to count.
clock_argv=()
case "$clock" in
    wall) ;;
    instructions)
        [ "$accel" != kvm ] || die "--clock instructions needs TCG (qemu's -icount); it cannot run under --accel kvm" 2
        accel=tcg
        clock_argv=(-icount shift=0,sleep=off)
        ;;
    *) die "--clock must be wall or instructions" 2 ;;
esac
# Every number is checked against its range before any arithmetic: bash wraps silently past
# 2^63, and qemu would get values it cannot take (the same bounds as sfb kernels').
check_number() {  # check_number OPTION VALUE MAX
    [[ "$2" =~ ^[1-9][0-9]{0,8}$ ]] && [ "$2" -le "$3" ] ||
        die "$1: '$2' is not a whole number from 1 to $3" 2
}
check_number --cpus "$cpus" 255
check_number --rounds "$rounds" 100000
check_number --timeout "$timeout_s" 604800
check_number --boot-timeout "$boot_timeout" 604800
memory_mib=0
if [[ "$memory" =~ ^([1-9][0-9]{0,6})([MG]?)$ ]]; then
    memory_mib=${BASH_REMATCH[1]}
    [ "${BASH_REMATCH[2]}" != G ] || memory_mib=$((memory_mib * 1024))
fi
[ "$memory_mib" -ge 64 ] && [ "$memory_mib" -le 1048576 ] ||
    die "--memory: '$memory' is not a guest memory size from 64M to 1024G" 2
[[ "$warmup" =~ ^([0-9]{1,4}(\.[0-9]{0,9})?|\.[0-9]{1,9})$ ]] &&
    awk -v w="$warmup" 'BEGIN { exit !(w <= 3600) }' ||
    die "--warmup: '$warmup' is not a number of seconds from 0 to 3600" 2
# The guest reads its settings line by line: a newline inside a path or an argument cannot
# be passed on, so it is refused here rather than split there.
newline=$'\n'
for value in "$spec" "$build" "$out" "${bench_args[@]}" "${ab_programs[@]}" "${ab_options[@]}"; do
    [[ "$value" != *"$newline"* ]] || die "a path or argument holds a newline, which cannot be passed to the guest" 2
done
for tool in qemu-system-x86_64 cpio busybox; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing (Debian: qemu-system-x86, cpio, busybox-static; ./bootstrap.sh --deps-only)" 2
done
here=$(cd "$(dirname "$0")" && pwd)
build_path=$(cd "$build" 2>/dev/null && pwd) || die "no build folder '$build'" 2
build=$build_path
harness_bin=$build/harness/sfb
bench_bin=$build/benchmarks/bench_sendfile
core_tests=$build/core/tests/sfb_core_tests
c_abi_test=$build/core/tests/sfb_c_abi_test
for program in "$harness_bin" "$bench_bin"; do
    [ -x "$program" ] || die "$program is not built" 2
done
if [ ${#ab_programs[@]} -gt 0 ]; then
    [ "$bench" = 1 ] || die "--ab and --no-bench exclude each other" 2
    for i in 0 1; do
        program=${ab_programs[$i]}
        [ -n "$program" ] || die "--ab needs BASE and CANDIDATE" 2
        # The guest runs them at the same absolute paths.
        [[ "$program" == /* ]] || program=$PWD/$program
        [ -f "$program" ] && [ -x "$program" ] || die "--ab: '$program' is not an executable file" 2
        ab_programs[$i]=$program
    done
fi
mkdir -p "$out"

# Everything temporary lives in one folder, removed on every way out; qemu, if running, is
# stopped first. Ctrl-C (SIGINT), SIGTERM and SIGHUP end the run with 130.
work=$(mktemp -d "${TMPDIR:-/tmp}/sfb-vm.XXXXXX") || die "cannot create a folder in '${TMPDIR:-/tmp}'" 3
qemu_pid=
# A value inside one of qemu's option lists (-drive file=...): a comma there would end the
# value and start another option, so qemu's own escape doubles it.
qemu_list_value() {
    printf '%s' "${1//,/,,}"
}
# A value for the guest's shell (/sfb/config, /sfb/tests): single quotes, with a single quote
# written as '\'' , which POSIX sh (busybox ash included) reads back byte for byte.
sh_quote() {
    local quote="'\\''"
    printf "'%s'" "${1//\'/$quote}"
}

cleanup() {
    # A second signal (sfb forwards SIGTERM after the terminal's SIGINT) must not cut the
    # clean-up short: an `exit` from a signal trap inside it would leave the folder behind.
    trap '' INT TERM HUP
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
on_signal() {
    trap '' INT TERM HUP
    echo "sfb-vm: kernel '$spec': interrupted; guest stopped, temporary files removed" >&2
    exit 130
}
trap on_signal INT TERM HUP

# --- the kernel: an image file, or a Debian package unpacked into the cache ----------------

image=
modules=
resolve_package() {
    local glob=$1 name
    command -v apt-cache >/dev/null || die "not a file, and apt-cache is missing to look it up as a Debian package" 2
    # apt-cache pkgnames reads the local package lists only: one prefix query, no registry scan.
    name=$(apt-cache pkgnames "${glob%%[*?[]*}" 2>/dev/null | while read -r candidate; do
        # shellcheck disable=SC2254 # the SPEC is a glob on purpose
        case "$candidate" in $glob) echo "$candidate" ;; esac
    done | grep -v -e '-dbg$' -e '-unsigned$' | sort -V | tail -n 1) || true
    [ -n "$name" ] || die "no file by that name, and no Debian package matches it (apt-get update?)" 2
    echo "$name"
}

unpack_package() {
    local package=$1 deb tree=$cache/$1
    if [ ! -e "$tree/.unpacked" ]; then
        mkdir -p "$cache"
        echo "sfb-vm: kernel '$spec': downloading $package" >&2
        (cd "$work" && apt-get download -q "$package" >"$work/apt.log" 2>&1) ||
            die "apt-get download $package failed: $(tail -n 2 "$work/apt.log")" 2
        deb=$(echo "$work"/*.deb)
        rm -rf "$cache/.$package.tmp"
        dpkg-deb -x "$deb" "$cache/.$package.tmp" || die "cannot unpack $deb" 3
        touch "$cache/.$package.tmp/.unpacked"
        rm -rf "$tree"
        mv "$cache/.$package.tmp" "$tree"
    fi
    image=$(find "$tree/boot" -name 'vmlinuz-*' | head -n 1)
    [ -n "$image" ] || die "package $package has no boot/vmlinuz-*" 3
    modules=$(find "$tree/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)
}

if [[ "$spec" == */* || -e "$spec" || "$spec" == *:* ]]; then
    image=${spec%%:*}
    [[ "$spec" == *:* ]] && modules=${spec#*:}
    [ -f "$image" ] || die "no such kernel image file" 2
    if [ -z "$modules" ]; then
        # An unpacked package or an installed kernel: boot/vmlinuz-R beside lib/modules/R.
        release=${image##*/vmlinuz-}
        candidate=$(dirname "$image")/../lib/modules/$release
        [ "$release" != "$image" ] && [ -d "$candidate" ] && modules=$candidate
    fi
    [ -z "$modules" ] || [ -d "$modules" ] || die "no such modules folder '$modules'" 2
    kernel_source="image $image"
else
    [[ "$spec" =~ ^[a-z0-9][a-z0-9.+*?_-]*$ ]] || die "neither a file nor a Debian package name" 2
    package=$(resolve_package "$spec")
    unpack_package "$package"
    kernel_source="debian package $package"
fi
echo "sfb-vm: kernel '$spec': $kernel_source" >&2

# --- modules: what the guest needs, with their dependencies, decompressed -----------------

# Required for the output disk; tls and the AES-GCM pieces unlock the kTLS paths, optional.
required_modules=(virtio_pci virtio_blk)
optional_modules=(tls aesni_intel gcm ghash_generic ctr)
declare -A module_file=() loaded=()
module_order=()
index_modules() {
    local file base
    while IFS= read -r file; do
        base=${file##*/}
        base=${base%%.ko*}
        module_file[${base//-/_}]=$file
    done < <(find "$modules" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
}
is_builtin() {
    [ -n "$modules" ] && [ -f "$modules/modules.builtin" ] &&
        sed 's#.*/##; s#\.ko$##; s#-#_#g' "$modules/modules.builtin" | grep -qx "$1"
}
decompress() {
    case "$1" in
        *.xz) xz -dc "$1" ;;
        *.zst) zstd -dcq "$1" ;;
        *.gz) gzip -dc "$1" ;;
        *) cat "$1" ;;
    esac
}
add_module() {
    local name=${1//-/_} file depends dep
    [ -z "${loaded[$name]:-}" ] || return 0
    is_builtin "$name" && return 0
    file=${module_file[$name]:-}
    [ -n "$file" ] || return 1
    loaded[$name]=1
    decompress "$file" >"$work/modules.tmp" || die "cannot decompress $file" 3
    depends=$(tr '\0' '\n' <"$work/modules.tmp" | sed -n 's/^depends=//p' | head -n 1)
    for dep in ${depends//,/ }; do
        add_module "$dep" || die "module $name needs $dep, which is missing" 3
    done
    decompress "$file" >"$stage/lib/modules/sfb/$name.ko"
    module_order+=("$name")
}

stage=$work/initramfs
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,out,data,sfb,lib/modules/sfb}
if [ -n "$modules" ]; then
    index_modules
fi
if [ -n "$modules" ]; then
    for name in "${required_modules[@]}"; do
        add_module "$name" || die "module $name is neither built in nor in '$modules'" 2
    done
else
    echo "sfb-vm: kernel '$spec': no modules folder: ${required_modules[*]} must be built in" >&2
fi
missing_optional=()
for name in "${optional_modules[@]}"; do
    add_module "$name" || missing_optional+=("$name")
done
printf '%s\n' "${module_order[@]}" >"$stage/sfb/modules"

# --- the initramfs: busybox, the programs at their own absolute paths, their libraries -----

copy_with_libraries() {
    local program=$1 library
    mkdir -p "$stage$(dirname "$program")"
    cp -L "$program" "$stage$program"
    # ldd lines: "name => /path (addr)" or "/path (addr)"; vdso has no path.
    for library in $(ldd "$program" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
        if [ ! -e "$stage$library" ]; then
            mkdir -p "$stage$(dirname "$library")"
            cp -L "$library" "$stage$library"
        fi
    done
}
# A program for --ab: an ELF file with its libraries, or a #! script (the guest's busybox sh
# runs it) with every ELF program it names by absolute path, so that a wrapper that execs
# bench_sendfile with more options works inside as it does on the host.
is_elf() {
    [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}
stage_program() {
    local program=$1 word
    if is_elf "$program"; then
        copy_with_libraries "$program"
        return
    fi
    [ "$(head -c 2 "$program")" = '#!' ] || die "--ab: '$program' is neither a program nor a #! script" 2
    mkdir -p "$stage$(dirname "$program")"
    cp -L "$program" "$stage$program"
    # Every word after the #! line that starts with / and names an ELF program.
    while IFS= read -r word; do
        if [ -f "$word" ] && [ ! -e "$stage$word" ] && is_elf "$word"; then
            copy_with_libraries "$word"
        fi
    done < <(sed 1d "$program" | grep -o '/[^][:space:]"'"'"';|&<>()$`{}*?]*' | sort -u)
}
cp "$(command -v busybox)" "$stage/bin/busybox"
cp "$here/guest_init.sh" "$stage/init"
chmod 755 "$stage/init"
copy_with_libraries "$harness_bin"
copy_with_libraries "$bench_bin"
for program in "${ab_programs[@]}"; do
    stage_program "$program"
done
printf '%s\n' "${ab_options[@]}" >"$stage/sfb/ab_args"
: >"$stage/sfb/tests"
if [ "$tests" = 1 ]; then
    for program in "$core_tests" "$c_abi_test" "$build/core/examples/send_file"; do
        [ -x "$program" ] || die "--tests: $program is not built" 2
        copy_with_libraries "$program"
    done
    # The four Over2GiB cases move 2 GiB each through a >2 GiB file: about a minute on the host
    # and tens of minutes under TCG, and the file would not fit the guest's memory. Every other
    # case runs (see vm/README.md).
    echo "sfb_core_tests $(sh_quote "$core_tests") '--gtest_filter=-*Over2GiB*'" >>"$stage/sfb/tests"
    echo "sfb_c_abi_test $(sh_quote "$c_abi_test")" >>"$stage/sfb/tests"
fi
printf '%s\n' "${bench_args[@]}" >"$stage/sfb/bench_args"
[ "$bench" = 1 ] || echo "SFB_NO_BENCH=1" >>"$stage/sfb/config"
# Sourced by the guest's shell: every value quoted, so a path with a space, a quote, a $ or
# a non-ASCII character arrives as it is.
cat >>"$stage/sfb/config" <<EOF
SFB_HARNESS=$(sh_quote "$harness_bin")
SFB_BENCH=$(sh_quote "$bench_bin")
SFB_ROUNDS=$(sh_quote "$rounds")
SFB_WARMUP=$(sh_quote "$warmup")
SFB_TESTS=$(sh_quote "$tests")
SFB_FILE_ON=$(sh_quote "$file_on")
SFB_TMPFS_SIZE=50%
SFB_VM_CLOCK=$(sh_quote "$clock")
SFB_AB_BASE=$(sh_quote "${ab_programs[0]:-}")
SFB_AB_CANDIDATE=$(sh_quote "${ab_programs[1]:-}")
EOF
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$work/initrd.cpio"

truncate -s 64M "$work/out.img"
disks=(-drive "file=$(qemu_list_value "$work/out.img"),format=raw,if=none,id=out"
    -device "virtio-blk-pci,drive=out,serial=sfb-out")
if [ "$file_on" = ext4 ]; then
    truncate -s 4G "$work/data.img"
    mkfs.ext4 -q -F "$work/data.img"
    disks+=(-drive "file=$(qemu_list_value "$work/data.img"),format=raw,if=none,id=data"
        -device "virtio-blk-pci,drive=data,serial=sfb-data")
fi

# --- boot -------------------------------------------------------------------------------------

qemu_version=$(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version \([^ ]*\).*/\1/p')
# SFB_VM_KERNEL_ARGS adds to the kernel command line (debugging; the tests make a kernel panic
# with it). panic=-1 reboots at once on a panic, and -no-reboot turns that into qemu's exit.
cmdline="console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init ${SFB_VM_KERNEL_ARGS:-}"
# Under -icount the 6.1 kernel's bring-up of its secondary CPUs at boot never ends (qemu runs
# the vCPUs one at a time and never again the one that spins in wait_for_master_cpu:
# vm/README.md). Booted with one CPU online, the guest's init brings the others up, which works.
if [ "$clock" = instructions ] && [ "$cpus" -gt 1 ]; then
    cmdline="$cmdline maxcpus=1"
fi

seconds_since() {
    awk -v now="$EPOCHREALTIME" -v then="$1" 'BEGIN { printf "%.1f", now - then }'
}

# boot NAME ACCEL CPU TIMEOUT EXTRA_CMDLINE: runs qemu in the background, its console in
# $work/NAME.console; sets qemu_pid.
# -kernel, -initrd, -append and -serial file: take their value whole (no option list), so
# only -drive's values need qemu_list_value.
qemu_args() {
    local name=$1 accelerator=$2 cpu=$3 extra=$4
    qemu_argv=(-accel "$accelerator" -cpu "$cpu" -smp "$cpus" -m "$memory"
        -kernel "$image" -initrd "$work/initrd.cpio" -append "$cmdline $extra"
        -display none -serial "file:$work/$name.console" -monitor none -no-reboot -nic none
        "${disks[@]}")
    # The clock options for the guest's boot only (the KVM probe never runs with them).
    [ "$name" != guest ] || qemu_argv+=("${clock_argv[@]}")
}
start_qemu() {
    qemu_args "$@"
    qemu-system-x86_64 "${qemu_argv[@]}" </dev/null >"$work/$1.qemu" 2>&1 &
    qemu_pid=$!
}
stop_qemu() {
    kill "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
    qemu_pid=
}

# A probe boot that prints one line and powers off: a KVM that hangs (as on some nested
# hosts) or refuses costs 20 s at most instead of the whole run.
probe_kvm() {
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
    start_qemu probe kvm host sfb.probe
    local waited=0
    while kill -0 "$qemu_pid" 2>/dev/null && [ $waited -lt 40 ]; do
        grep -q SFB-PROBE-OK "$work/probe.console" 2>/dev/null && break
        sleep 0.5
        waited=$((waited + 1))
    done
    local ok=1
    grep -q SFB-PROBE-OK "$work/probe.console" 2>/dev/null && ok=0
    stop_qemu
    return $ok
}
if [ "$dry_run" = 1 ]; then
    qemu_args guest "$accel" max ""
    printf '%s\n' "${qemu_argv[@]}" >"$out/qemu.args"
    cp "$stage/sfb/config" "$out/config"
    cp "$stage/sfb/tests" "$out/tests"
    cp "$stage/sfb/ab_args" "$out/ab_args"
    (cd "$stage" && find . -type f | sed 's/^\.//' | sort) >"$out/initramfs.list"
    echo "sfb-vm: kernel '$spec': dry run: qemu's arguments in $out/qemu.args" >&2
    exit 0
fi
case "$accel" in
    auto)
        if probe_kvm; then accel=kvm; else accel=tcg; fi
        ;;
    kvm)
        probe_kvm || die "--accel kvm: a KVM probe boot failed or hung within 20 s" 3
        ;;
esac
# TCG's "max" is every feature TCG emulates (AES-NI and PCLMUL included, which kTLS uses);
# KVM passes the host's CPU through.
cpu_model=max
[ "$accel" = kvm ] && cpu_model=host
clock_note=
[ "$clock" = wall ] || clock_note=", instruction clock: ${clock_argv[*]}"
echo "sfb-vm: kernel '$spec': booting under $accel ($cpus vCPUs, $memory$clock_note)" >&2

started=$EPOCHREALTIME
start_qemu guest "$accel" "$cpu_model" ""
console=$work/guest.console
shown=0
boot_s=
deadline_boot=$(($(date +%s) + boot_timeout))
deadline=$(($(date +%s) + timeout_s))
while kill -0 "$qemu_pid" 2>/dev/null; do
    sleep 0.5
    if [ -z "$boot_s" ] && grep -q 'sfb-guest: SFB-READY' "$console" 2>/dev/null; then
        boot_s=$(seconds_since "$started")
        echo "sfb-vm: kernel '$spec': booted $(sed -n 's/.*SFB-READY //p' "$console" | tr -d '\r') in ${boot_s} s" >&2
    fi
    # The guest's own progress lines, as they come.
    lines=$(wc -l <"$console" 2>/dev/null || echo 0)
    if [ "$lines" -gt "$shown" ]; then
        # The SPEC is printed by printf, never put into a sed program, where a / & or \ in a
        # path would change the program.
        sed -n "$((shown + 1)),${lines}p" "$console" | tr -d '\r' | sed -n 's/^sfb-guest: //p' |
            grep -v SFB-READY | while IFS= read -r line; do
                printf "sfb-vm: kernel '%s': %s\n" "$spec" "$line"
            done >&2 || true
        shown=$lines
    fi
    now=$(date +%s)
    if [ -z "$boot_s" ] && [ "$now" -ge "$deadline_boot" ]; then
        cp "$console" "$out/console.log" 2>/dev/null || true
        stop_qemu
        die "did not boot within $boot_timeout s (no init); last console lines:
$(tail -n 15 "$out/console.log" 2>/dev/null)" 3
    fi
    if [ "$now" -ge "$deadline" ]; then
        cp "$console" "$out/console.log"
        stop_qemu
        die "the guest ran past --timeout $timeout_s s and was stopped" 3
    fi
done
wait "$qemu_pid" && qemu_rc=0 || qemu_rc=$?
qemu_pid=
total_s=$(seconds_since "$started")
tr -d '\r' <"$console" >"$out/console.log" 2>/dev/null || : >"$out/console.log"

if [ -z "$boot_s" ]; then
    if [ ! -s "$out/console.log" ] && [ "$qemu_rc" != 0 ]; then
        die "qemu could not start it (exit $qemu_rc): $(head -c 400 "$work/guest.qemu")" 3
    fi
    if grep -q 'Kernel panic' "$out/console.log"; then
        die "the kernel panicked: $(grep -m 1 'Kernel panic' "$out/console.log")" 3
    fi
    die "the guest stopped before its init ran (qemu exit $qemu_rc); last console lines:
$(tail -n 15 "$out/console.log")" 3
fi

tar -xf "$work/out.img" -C "$out" 2>/dev/null ||
    die "the guest wrote no results (it stopped early); last console lines:
$(tail -n 15 "$out/console.log")" 3
[ ! -e "$out/error.txt" ] || die "inside the guest: $(cat "$out/error.txt")" 3

# Each vm_<name> key holds the variable <name>.
host_kernel=$(uname -r)
missing_modules=${missing_optional[*]:-}
qemu_clock_options=${clock_argv[*]:-}
{
    for name in accel host_kernel qemu_version cpus memory cpu_model kernel_source file_on \
        missing_modules clock qemu_clock_options; do
        echo "vm_$name=${!name}"
    done
    echo "boot_seconds=$boot_s"
    echo "total_seconds=$total_s"
} >"$out/vm.env"

# The guest kernel's own word on a process that died (an oops, the OOM killer, a fault), for
# the errors below.
kernel_said=$(grep -iE 'oops|BUG|killed process|segfault|general protection|traps:' \
    "$out/dmesg.txt" 2>/dev/null | tail -n 3 || true)
kernel_said=${kernel_said:+
the guest kernel said: $kernel_said}
if [ ${#ab_programs[@]} -gt 0 ]; then
    # sfb ab's answers: 0 no regression, 1 a regression, 4 incomplete; anything else failed.
    run_rc=$(cat "$out/run.rc" 2>/dev/null || echo none)
    case "$run_rc" in 0 | 1 | 4) [ -s "$out/comparison.json" ] || run_rc="$run_rc, no comparison" ;; esac
    case "$run_rc" in
        0 | 1 | 4) ;;
        # Its usage error (options the host could not check without the guest's benchmarks).
        2) die "sfb ab refused its arguments inside the guest: $(tail -n 1 "$out/harness.err" 2>/dev/null)" 2 ;;
        *) die "sfb ab failed inside the guest (exit $run_rc): $(tail -n 5 "$out/harness.err" 2>/dev/null)$kernel_said" 3 ;;
    esac
elif [ "$bench" = 1 ]; then
    run_rc=$(cat "$out/run.rc" 2>/dev/null || echo none)
    [ "$run_rc" = 0 ] && [ -s "$out/run.json" ] ||
        die "the suite failed inside the guest (exit $run_rc): $(tail -n 5 "$out/harness.err" 2>/dev/null)$kernel_said" 3
fi
echo "sfb-vm: kernel '$spec': done in ${total_s} s (boot ${boot_s} s)" >&2
