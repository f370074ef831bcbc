#include "cmd_kernels.h"

#include "bench_process.h"
#include "benchmark_json.h"
#include "cli.h"
#include "cmd_common.h"
#include "destinations.h"
#include "exit_codes.h"
#include "process.h"
#include "safe_text.h"
#include "store.h"
#include "suite_report.h"

#include <fmt/format.h>
#include <sfb/benchmark_name.h>
#include <sfb/format_contract.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

#ifndef SFB_VM_SCRIPT
#error "SFB_VM_SCRIPT (the path of vm/sfb-vm.sh) must be defined by the build"
#endif

namespace sfb::harness {

std::vector<option_spec> guest_option_specs() {
    return {
        {"cpus", "N",
         "vCPUs of every guest (default 2; 1 with --clock instructions, where qemu runs the "
         "vCPUs one at a time: give 2 for placement split)"},
        {"memory", "M", "memory of every guest, qemu syntax (default 2G)"},
        {"accel", "auto|kvm|tcg",
         "auto: KVM when a short probe boot succeeds, qemu's TCG emulator otherwise (default)"},
        {"clock", "wall|instructions",
         "the guests' clock: wall (default), or instructions: TCG with qemu's -icount "
         "shift=0,sleep=off, 1 ns of guest time per guest instruction, so every time counts "
         "instructions (the counters guest_instructions_per_pass and _per_kib say so); not with "
         "--accel kvm"},
        {"file-on", "tmpfs|ext4", "where the benchmark's files live in the guest (default tmpfs)"},
        {"cache", "DIR", "downloaded kernels (default ~/.cache/sfb-kernels)"},
        {"timeout", "SECONDS", "per kernel, boot included (default 1800)"},
        {"boot-timeout", "SECONDS", "per kernel, until the guest's init runs (default 120)"},
        {"build", "DIR", "the build tree whose sfb runs in the guests (default: sfb's own)"},
        {"vm-script", "PATH", "vm/sfb-vm.sh (default: the one of this source tree)"},
    };
}

namespace {

std::vector<option_spec> kernels_option_specs() {
    std::vector<option_spec> specs = {
        {"kernel", "SPEC",
         "a kernel image (IMAGE or IMAGE:MODULES_DIR) or a Debian kernel package name or glob; "
         "give it once per kernel"},
        {"tests", "", "also run the core's tests in every guest (all but the four Over2GiB cases)"},
        {"repetitions", "N", "rounds of the suite in every guest (default 3)"},
        warmup_option(),
        results_dir_option(),
        no_store_option(),
    };
    const auto guest = guest_option_specs();
    specs.insert(specs.begin() + 1, guest.begin(), guest.end());
    return specs;
}

// What run_kernel and kernels_command return (the help states it; a test checks it).
const char* const kKernelsExitCodes =
    "exit codes:\n"
    "  0  every kernel ran (and its core tests passed)\n"
    "  2  bad usage or a bad SPEC (no such file, no such package)\n"
    "  3  a guest did not boot, panicked, timed out, its suite or a core test failed, or a\n"
    "     result could not be stored; also when interrupted (Ctrl-C, SIGTERM, SIGHUP: the\n"
    "     guest is stopped, nothing of that kernel is stored, no later kernel runs)\n"
    "The other kernels still run after one fails; the exit code is the worst.";

// The VM script's own exit codes (vm/sfb-vm.sh).
constexpr int kScriptBadSpec = 2;
constexpr int kScriptInterrupted = 130;

struct kernel_outcome {
    std::string spec;
    int exit_code = kExitOk;
    std::string release;
    std::string accel;
    std::string clock;
    std::string boot_seconds;
    std::string total_seconds;
    std::string tests;
    std::string stored;  // the stored file, or the error
};

kernel_outcome failed_outcome(const std::string& spec, int exit_code, const std::string& why) {
    kernel_outcome outcome;
    outcome.spec = spec;
    outcome.exit_code = exit_code;
    outcome.stored = why;
    return outcome;
}

// Every "--kernel SPEC" / "--kernel=SPEC" before "--", taken out of argv: the option parser
// keeps only the last value of an option, and this one is given once per kernel.
std::vector<std::string> take_kernel_specs(std::vector<std::string>& argv) {
    std::vector<std::string> specs;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "--") {
            rest.insert(rest.end(), argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
            break;
        }
        if (argv[i] == "--kernel") {
            if (i + 1 == argv.size()) {
                throw usage_error("--kernel needs a value");
            }
            specs.push_back(argv[++i]);
        } else if (argv[i].starts_with("--kernel=")) {
            specs.push_back(argv[i].substr(9));
        } else {
            rest.push_back(argv[i]);
        }
    }
    argv = std::move(rest);
    return specs;
}

// key=value lines, as the VM script and the guest write them.
std::map<std::string, std::string> read_env_file(const std::filesystem::path& file) {
    std::map<std::string, std::string> values;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (const auto equals = line.find('='); equals != std::string::npos) {
            values[line.substr(0, equals)] = line.substr(equals + 1);
        }
    }
    return values;
}

std::string value_or(const std::map<std::string, std::string>& values, const std::string& key,
                     const std::string& fallback) {
    const auto found = values.find(key);
    return found == values.end() || found->second.empty() ? fallback : found->second;
}

// "sfb_core_tests passed (61 s); sfb_c_abi_test FAILED (exit 1, 0 s)" from tests.txt lines
// "name exit_code seconds"; `all_passed` false when any failed.
std::string summarise_tests(const std::filesystem::path& file, bool& all_passed) {
    std::ifstream in(file);
    std::string name;
    int code = 0;
    long seconds = 0;
    std::string summary;
    while (in >> name >> code >> seconds) {
        summary += summary.empty() ? "" : "; ";
        if (code == 0) {
            summary += fmt::format("{} passed ({} s)", name, seconds);
        } else {
            all_passed = false;
            summary += fmt::format("{} FAILED (exit {}, {} s)", name, code, seconds);
        }
    }
    return summary;
}

// The bounds vm/sfb-vm.sh enforces too: qemu's pc machine takes at most 255 vCPUs; a week
// bounds every timeout (and keeps the script's arithmetic far from overflowing); a guest of
// more than 1 TiB is a typing mistake.
constexpr unsigned kMaxGuestCpus = 255;
constexpr unsigned kMaxGuestSeconds = 7 * 24 * 3600;
constexpr unsigned kMaxGuestRounds = 100'000;
constexpr double kMaxWarmupSeconds = 3600;
constexpr unsigned long long kMaxGuestMemoryMiB = 1ULL << 20;

// --memory in the qemu syntax the VM script accepts: a whole number of MiB, or with an M or G
// suffix; usage_error naming the value unless it is from 64 MiB to 1 TiB.
void check_guest_memory(const std::string& value) {
    std::string digits = value;
    unsigned long long scale = 1;
    if (!digits.empty() && (digits.back() == 'G' || digits.back() == 'M')) {
        scale = digits.back() == 'G' ? 1024 : 1;
        digits.pop_back();
    }
    unsigned long long amount = 0;
    const char* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, amount);
    if (digits.empty() || ec != std::errc() || ptr != end || amount > kMaxGuestMemoryMiB ||
        amount * scale < 64 || amount * scale > kMaxGuestMemoryMiB) {
        throw usage_error(
            fmt::format("--memory: \"{}\" is not a guest memory size from 64M to "
                        "1024G (a whole number of MiB, or with M or G)",
                        quoted_value(value, 64)));
    }
}

// usage_error naming --vm-script unless it names an executable file.
void check_vm_script(const std::filesystem::path& script) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(script, ec)) {
        throw usage_error(fmt::format("--vm-script {}: no such file (the VM script, vm/sfb-vm.sh)",
                                      quoted_value(script.string())));
    }
    if (::access(script.c_str(), X_OK) != 0) {
        throw usage_error(
            fmt::format("--vm-script {}: not executable", quoted_value(script.string())));
    }
}

// usage_error naming --build unless it is a folder: the VM script takes its programs from it.
void check_build_tree(const std::filesystem::path& build) {
    std::error_code ec;
    if (!std::filesystem::is_directory(build, ec)) {
        throw usage_error(
            fmt::format("--build {}: no build folder by that name", quoted_value(build.string())));
    }
}

std::filesystem::path own_build_tree() {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw input_error("cannot find sfb's build tree (/proc/self/exe); give --build");
    }
    return self.parent_path().parent_path();
}

struct kernels_settings {
    std::vector<std::string> script_args;  // the same for every kernel
    std::vector<std::string> bench_args;
    std::filesystem::path results_dir;
    bool store = true;
    bool tests = false;
    bool colour = false;
};

// Runs the VM script for `spec` with its output in `out_dir`, echoing its lines; returns its
// exit status, with its own last error line in `last_error`.
int boot_guest(const std::string& spec, const kernels_settings& settings,
               const std::filesystem::path& out_dir, std::string& last_error) {
    std::vector<std::string> argv = settings.script_args;
    argv.insert(argv.end(), {"--kernel", spec, "--output", out_dir.string(), "--"});
    argv.insert(argv.end(), settings.bench_args.begin(), settings.bench_args.end());
    return run_program(
        argv,
        [&](const std::string& line) {
            print_message(line);
            // The script's error is its last line of its own; console lines may follow it.
            if (line.starts_with("sfb-vm: ")) {
                last_error = line;
            }
        },
        true, SIGTERM);  // the script stops qemu and removes its folder on SIGTERM
}

// Labels the guest's merged result with the VM's keys and how its core tests went.
void label_guest_result(ordered_json& merged, const std::map<std::string, std::string>& vm,
                        const kernel_outcome& outcome) {
    ordered_json& context = merged["context"];
    // The VM script's vm.env keys are the contract's context keys (format/contract.json).
    namespace key_name = sfb::format::context_key_name;
    for (const std::string_view key :
         {key_name::vm_accel, key_name::vm_host_kernel, key_name::vm_qemu_version,
          key_name::vm_cpus, key_name::vm_memory, key_name::vm_cpu_model,
          key_name::vm_kernel_source, key_name::vm_file_on}) {
        context[std::string(key)] = value_or(vm, std::string(key), "");
    }
    context[std::string(key_name::vm_clock)] = outcome.clock;
    context[std::string(key_name::vm_qemu_clock_options)] =
        value_or(vm, std::string(key_name::vm_qemu_clock_options), "");
    context[std::string(key_name::vm_boot_seconds)] = outcome.boot_seconds;
    context[std::string(key_name::vm_core_tests)] = outcome.tests;
}

// Under the instruction clock (-icount shift=0) a guest nanosecond is one instruction: every
// entry gets its real time as guest_instructions_per_pass and, per KiB of the file its name
// gives, guest_instructions_per_kib. A cv aggregate (a ratio, the same at any scale) takes
// real_time's value for both; an entry in error or without a real time gets neither.
void add_instruction_counters(ordered_json& merged) {
    namespace names = sfb::format;
    constexpr std::size_t file_segment = names::segment_index(names::segment_name::file);
    if (!merged.contains("benchmarks") || !merged["benchmarks"].is_array()) {
        return;
    }
    for (ordered_json& entry : merged["benchmarks"]) {
        if (!entry.is_object() || entry.value("error_occurred", false) ||
            !entry.contains("real_time") || !entry["real_time"].is_number()) {
            continue;
        }
        const double real_time = entry["real_time"].get<double>();
        const std::string per_pass(names::counter_name::guest_instructions_per_pass);
        const std::string per_kib(names::counter_name::guest_instructions_per_kib);
        if (entry.value("aggregate_unit", "") == "percentage") {
            entry[per_pass] = real_time;
            entry[per_kib] = real_time;
            continue;
        }
        double instructions = 0;
        try {
            instructions = real_time * microseconds_per(entry.value("time_unit", "ns")) * 1e3;
        } catch (const std::invalid_argument&) {
            continue;  // a time unit Google Benchmark does not write
        }
        entry[per_pass] = instructions;
        const std::string name = entry.value("run_name", entry.value("name", ""));
        const auto parsed = names::parse_benchmark_name(name, names::name_mode::lenient);
        if (parsed.name && parsed.name->has(file_segment) &&
            parsed.name->numbers[file_segment] > 0) {
            entry[per_kib] =
                instructions / (static_cast<double>(parsed.name->numbers[file_segment]) / 1024);
        }
    }
}

kernel_outcome run_kernel(const std::string& spec, const kernels_settings& settings) {
    kernel_outcome outcome;
    outcome.spec = spec;
    const auto started = std::chrono::system_clock::now();
    temporary_folder temporary;
    std::string last_error;
    const int code = boot_guest(spec, settings, temporary.path(), last_error);
    if (code == kScriptInterrupted) {
        throw benchmark_failure(fmt::format(
            "kernel '{}': interrupted; the guest was stopped, nothing was stored", spec));
    }
    if (code != 0) {
        return failed_outcome(spec, code == kScriptBadSpec ? kExitBadInput : kExitFailure,
                              last_error);
    }

    const auto vm = read_env_file(temporary.path() / "vm.env");
    const auto guest = read_env_file(temporary.path() / "guest.env");
    outcome.release = value_or(guest, "kernel_release", "?");
    outcome.accel = value_or(vm, "vm_accel", "?");
    // A VM script that does not write vm_clock ran the guest on the wall clock.
    outcome.clock = value_or(vm, "vm_clock", "wall");
    outcome.boot_seconds = value_or(vm, "boot_seconds", "?");
    outcome.total_seconds = value_or(vm, "total_seconds", "?");
    bool tests_passed = true;
    outcome.tests = settings.tests ? summarise_tests(temporary.path() / "tests.txt", tests_passed)
                                   : std::string("not run");
    if (outcome.tests.empty()) {
        outcome.tests = "none ran";
        tests_passed = false;
    }

    ordered_json merged = read_json_file(temporary.path() / "run.json");
    label_guest_result(merged, vm, outcome);
    if (outcome.clock == "instructions") {
        add_instruction_counters(merged);
    }
    const ordered_json& context = merged["context"];

    result_set set;
    add_benchmark_document(set, merged, "guest " + outcome.release);
    print_message(fmt::format(
        "\nkernel '{}': {} under {}{}", spec, outcome.release, outcome.accel,
        outcome.clock == "instructions"
            ? ", instruction clock (every time below counts guest instructions: 1 ns each)"
            : ""));
    const std::string summary = render_run_summary(set, output_format::text, settings.colour);
    const std::string safe = safe_text(summary, 64 * 1024, SIZE_MAX, settings.colour);
    std::fwrite(safe.data(), 1, safe.size(), stdout);
    std::fflush(stdout);

    if (settings.store) {
        const std::string content = dump_json(merged) + "\n";
        try {
            outcome.stored = store_result(settings.results_dir, machine_fingerprint(context),
                                          result_stem(started, result_commit(context)), content)
                                 .string();
        } catch (const std::system_error& e) {
            // Minutes of guest time are not thrown away: the result is kept elsewhere.
            const auto kept = keep_unsaved(content);
            return failed_outcome(spec, kExitFailure,
                                  fmt::format("{}; the result was kept in {}", e.what(),
                                              kept.empty() ? "no file" : kept.string()));
        }
    } else {
        outcome.stored = "not stored (--no-store)";
    }
    if (!tests_passed) {
        outcome.exit_code = kExitFailure;
    }
    return outcome;
}

void print_outcomes(const std::vector<kernel_outcome>& outcomes) {
    print_message(fmt::format("\nsfb kernels: {} kernel(s)", outcomes.size()));
    for (const auto& o : outcomes) {
        if (!o.accel.empty()) {
            print_message(fmt::format(
                "  {}: {}, {}, {} clock, boot {} s, total {} s; core tests: {}; {}", o.spec,
                o.release, o.accel, o.clock, o.boot_seconds, o.total_seconds, o.tests, o.stored));
        } else {
            print_message(fmt::format("  {}: FAILED (exit {}): {}", o.spec, o.exit_code, o.stored));
        }
    }
    // The instruction clock's counts are the guest's own, not the emulator's speed.
    for (const auto& o : outcomes) {
        if (o.accel == "tcg" && o.clock != "instructions") {
            std::fprintf(stderr,
                         "note: TCG guests: qemu emulated the CPU, so their timings measure the "
                         "emulator as much as the kernel; compare them with each other only.\n");
            break;
        }
    }
}

// The settings of every guest from the options, checked before any boot (exit 2). `ab`: for
// `sfb ab --kernel`, which stores nothing and runs no rounds of its own.
kernels_settings parse_kernels_settings(const parsed_args& args, bool ab = false) {
    kernels_settings settings;
    settings.bench_args = args.passthrough;
    settings.results_dir = args.value("results-dir").value_or("results");
    settings.store = !ab && !args.flag("no-store");
    settings.tests = !ab && args.flag("tests");
    settings.colour = ::isatty(STDOUT_FILENO) == 1;
    if (settings.store) {
        check_writable_folder("results-dir", settings.results_dir);  // before any boot
    }
    const std::filesystem::path script = args.value("vm-script").value_or(SFB_VM_SCRIPT);
    check_vm_script(script);
    const std::filesystem::path build =
        args.value("build") ? std::filesystem::path(*args.value("build")) : own_build_tree();
    check_build_tree(build);
    const std::string repetitions = std::to_string(
        !ab && args.value("repetitions")
            ? parse_count("repetitions", *args.value("repetitions"), 1, kMaxGuestRounds)
            : 3U);
    settings.script_args = {script.string(), "--build", build.string(), "--rounds", repetitions};
    // Under the instruction clock qemu runs the vCPUs one at a time, so a second one costs
    // wall time without running anything in parallel: 1 unless --cpus says otherwise.
    const bool instructions = args.value("clock").value_or("wall") == "instructions";
    // Checked here (exit 2 before any boot) and passed on as written.
    const std::vector<std::pair<std::string, std::string>> passed = {
        {"cpus", instructions ? "1" : "2"},
        {"memory", "2G"},
        {"accel", "auto"},
        {"clock", "wall"},
        {"file-on", "tmpfs"},
        {"warmup", "0.1"},
        {"timeout", "1800"},
        {"boot-timeout", "120"}};
    for (const auto& [name, fallback] : passed) {
        const std::string value = args.value(name).value_or(fallback);
        if (name == "cpus") {
            parse_count(name, value, 1, kMaxGuestCpus);
        } else if (name == "timeout" || name == "boot-timeout") {
            parse_count(name, value, 1, kMaxGuestSeconds);
        } else if (name == "memory") {
            check_guest_memory(value);
        } else if (name == "warmup") {
            parse_positive_double(name, value, kMaxWarmupSeconds);
        } else if (name == "accel" && value != "auto" && value != "kvm" && value != "tcg") {
            throw usage_error(fmt::format("--accel: \"{}\" is not auto, kvm or tcg", value));
        } else if (name == "clock" && value != "wall" && value != "instructions") {
            throw usage_error(fmt::format("--clock: \"{}\" is not wall or instructions",
                                          quoted_value(value, 64)));
        } else if (name == "file-on" && value != "tmpfs" && value != "ext4") {
            throw usage_error(fmt::format("--file-on: \"{}\" is not tmpfs or ext4", value));
        }
        settings.script_args.insert(settings.script_args.end(), {"--" + name, value});
    }
    // qemu counts instructions only where it emulates them: KVM runs the guest natively.
    if (args.value("clock").value_or("wall") == "instructions" &&
        args.value("accel").value_or("auto") == "kvm") {
        throw usage_error(
            "--clock instructions needs qemu's TCG emulator (-icount); it cannot run under "
            "--accel kvm");
    }
    if (auto cache = args.value("cache")) {
        settings.script_args.insert(settings.script_args.end(), {"--cache", *cache});
    }
    if (settings.tests) {
        settings.script_args.emplace_back("--tests");
    }
    return settings;
}

// Boots every kernel in turn; one that fails does not stop the others.
std::vector<kernel_outcome> run_kernels(const std::vector<std::string>& specs,
                                        kernels_settings settings) {
    std::vector<kernel_outcome> outcomes;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        print_message(fmt::format("sfb kernels: [{}/{}] kernel '{}'", i + 1, specs.size(),
                                  quoted_value(specs[i], 512)));
        kernel_outcome outcome;
        try {
            outcome = run_kernel(specs[i], settings);
        } catch (const input_error& e) {
            outcome = failed_outcome(specs[i], kExitFailure, e.what());
        } catch (const std::system_error& e) {
            outcome = failed_outcome(specs[i], kExitFailure, e.what());
        }
        // The first guest that ran decides the accelerator for the rest ("auto" probes once):
        // every kernel of one command runs the same way.
        if (!outcome.accel.empty()) {
            const auto accel =
                std::find(settings.script_args.begin(), settings.script_args.end(), "--accel");
            *std::next(accel) = outcome.accel;
        }
        outcomes.push_back(std::move(outcome));
    }
    return outcomes;
}

// A file the guest wrote, whole; empty when it wrote none.
std::string guest_file_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int ab_in_guest(const parsed_args& args, const std::filesystem::path (&programs)[2],
                const std::vector<std::string>& ab_options) {
    const std::string spec = args.value("kernel").value_or("");
    kernels_settings settings = parse_kernels_settings(args, true);
    settings.script_args.emplace_back("--ab");
    for (const auto& program : programs) {
        settings.script_args.push_back(std::filesystem::absolute(program).string());
    }
    for (const std::string& option : ab_options) {
        settings.script_args.insert(settings.script_args.end(), {"--ab-option", option});
    }
    print_message(fmt::format("sfb ab: kernel '{}': base and candidate in one guest",
                              quoted_value(spec, 512)));
    temporary_folder temporary;
    std::string last_error;
    const int code = boot_guest(spec, settings, temporary.path(), last_error);
    if (code == kScriptInterrupted) {
        throw benchmark_failure(
            fmt::format("kernel '{}': interrupted; the guest was stopped", spec));
    }
    if (code == kScriptBadSpec) {
        throw usage_error(last_error.empty() ? "the VM script refused its arguments" : last_error);
    }
    if (code != 0) {
        throw benchmark_failure(
            last_error.empty() ? fmt::format("the VM script failed (exit {})", code) : last_error);
    }
    const auto vm = read_env_file(temporary.path() / "vm.env");
    kernel_outcome outcome;
    outcome.clock = value_or(vm, "vm_clock", "wall");
    outcome.boot_seconds = value_or(vm, "boot_seconds", "?");
    outcome.tests = "not run";
    const std::string rc_text = guest_file_text(temporary.path() / "run.rc");
    int rc = kExitFailure;
    std::from_chars(rc_text.data(), rc_text.data() + rc_text.size(), rc);

    if (outcome.clock == "instructions") {
        print_message(
            "sfb ab: instruction clock: every time below counts guest instructions (1 us = "
            "1000 instructions), every rate is per 10^9 instructions");
    }
    // The answer as sfb ab wrote it inside, in the --format asked for.
    const std::string answer = guest_file_text(temporary.path() / "summary.txt");
    const std::string safe = safe_text(answer, 4 * 1024 * 1024, SIZE_MAX, false);
    std::fwrite(safe.data(), 1, safe.size(), stdout);
    std::fflush(stdout);

    // The merged rounds, labelled as sfb kernels labels a guest's result.
    for (const auto& [option, file] :
         {std::pair{"save-base", "base.json"}, std::pair{"save-candidate", "candidate.json"}}) {
        if (auto target = args.value(option)) {
            ordered_json merged = read_json_file(temporary.path() / file);
            label_guest_result(merged, vm, outcome);
            if (outcome.clock == "instructions") {
                add_instruction_counters(merged);
            }
            write_file(*target, dump_json(merged) + "\n");
        }
    }
    if (auto target = args.value("save-comparison")) {
        write_file(*target, guest_file_text(temporary.path() / "comparison.json"));
    }
    if (auto target = args.value("summary")) {
        append_file(*target, guest_file_text(temporary.path() / "summary.md"));
    }
    return rc;
}

int kernels_command(std::span<const std::string> argv_in) {
    std::vector<std::string> argv(argv_in.begin(), argv_in.end());
    const std::vector<std::string> specs = take_kernel_specs(argv);
    const parsed_args args = parse_args(argv, kernels_option_specs());
    if (args.help) {
        std::string usage = format_help(
            "sfb kernels --kernel SPEC [--kernel SPEC ...] [options] [-- BENCHMARK ARGS...]",
            "Boots every kernel in a qemu VM (KVM when a probe boot works, TCG otherwise) with\n"
            "a small initramfs holding bench_sendfile, sfb and, with --tests, the core's tests,\n"
            "runs the suite's rounds inside as `sfb run` does, and stores each guest's merged\n"
            "JSON under <results-dir>/<guest fingerprint>/, labelled with the guest kernel\n"
            "(kernel_release), vm_accel, vm_host_kernel, vm_qemu_version, vm_cpus, vm_memory,\n"
            "vm_clock. With --clock instructions every time counts guest instructions.\n"
            "SPEC: an image (bzImage, vmlinuz; IMAGE:MODULES_DIR for its lib/modules/<release>),\n"
            "or a Debian package name or glob, e.g. 'linux-image-6.1.0-*-cloud-amd64'. The VM\n"
            "work is vm/sfb-vm.sh's (vm/README.md).",
            kernels_option_specs(), kKernelsExitCodes);
        std::fwrite(usage.data(), 1, usage.size(), stdout);
        return kExitOk;
    }
    if (specs.empty()) {
        throw usage_error("give at least one --kernel SPEC");
    }
    reject_operands(args, "kernels");

    const kernels_settings settings = parse_kernels_settings(args);
    const std::vector<kernel_outcome> outcomes = run_kernels(specs, settings);
    print_outcomes(outcomes);
    int worst = kExitOk;
    for (const kernel_outcome& outcome : outcomes) {
        worst = std::max(worst, outcome.exit_code);
    }
    return worst;
}

}  // namespace sfb::harness
