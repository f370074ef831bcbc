// Checks a bench_sendfile JSON result against the result format's contract
// (format/contract.json, through the generated <sfb/format_contract.h>): every name follows
// the grammar with values from the contract's tables, every context key and every counter is
// in the contract and every one the suite writes is there (counters as their "when" says), the
// machine fingerprint follows the recipe, format_version is the contract's, byte counts equal
// the file size, no benchmark is in error, and (with --no-files-in DIR) no benchmark file is
// left behind. Exit status 0 when all hold, 1 when one does not, 2 for bad arguments.
//
//   check_bench_json RESULT.json [--verified] [--all-paths] [--no-files-in DIR]
//
// --verified: the run used --sfb_verify, so bytes_verified must equal the file size.
// --all-paths: the run selected every path, so each must be available or skipped with a
// reason in paths_skipped.
#include <dirent.h>
#include <sfb/benchmark_name.h>
#include <sfb/fingerprint.h>
#include <sfb/format_contract.h>
#include <sfb/json_text.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace contract = sfb::format;

int failures = 0;

void fail(const std::string& what) {
    std::cerr << "check_bench_json: " << what << "\n";
    ++failures;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> items;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, separator)) {
        item.erase(0, item.find_first_not_of(' '));
        if (!item.empty()) {
            items.push_back(item);
        }
    }
    return items;
}

template <typename Table>
bool names_contain(const Table& table, std::string_view name) {
    return std::any_of(table.begin(), table.end(),
                       [&](const auto& entry) { return entry.name == name; });
}

// The segments the checks below read; the build fails if the contract loses one.
constexpr std::size_t path_segment = contract::segment_index(contract::segment_name::path);
constexpr std::size_t file_segment = contract::segment_index(contract::segment_name::file);
constexpr std::size_t conns_segment = contract::segment_index(contract::segment_name::conns);
constexpr std::size_t transport_segment =
    contract::segment_index(contract::segment_name::transport);
static_assert(path_segment < contract::name_segments.size() &&
              transport_segment < contract::name_segments.size() &&
              file_segment < contract::name_segments.size() &&
              conns_segment < contract::name_segments.size());

std::string context_string(const nlohmann::json& context, std::string_view key) {
    const auto found = context.find(std::string(key));
    return found != context.end() && found->is_string() ? found->get<std::string>() : "";
}

void check_context(const nlohmann::json& context, bool all_paths,
                   std::set<std::string>& available) {
    for (const auto& spec : contract::context_keys) {
        const std::string key(spec.key);
        // The harness's keys are in files sfb wrote, never in bench_sendfile's own output.
        if (spec.source == "harness") {
            continue;
        }
        if (!context.contains(key)) {
            fail("context lacks the key " + key + " (" + std::string(spec.source) + ")");
        } else if (spec.source == "suite" && !context[key].is_string()) {
            fail("context key " + key + " is not a string");
        }
    }
    for (const auto& item : context.items()) {
        const bool known = std::any_of(contract::context_keys.begin(), contract::context_keys.end(),
                                       [&](const auto& spec) { return spec.key == item.key(); });
        if (!known) {
            fail("context key " + item.key() + " is not in format/contract.json");
        }
    }
    if (failures > 0) {
        return;
    }
    namespace key = contract::context_key_name;
    const std::string expected = contract::machine_fingerprint(
        context_string(context, key::os), context_string(context, key::kernel_release),
        context_string(context, key::cpu_model), context_string(context, key::cpu_count));
    if (context_string(context, key::machine_fingerprint) != expected) {
        fail("machine_fingerprint " + context_string(context, key::machine_fingerprint) +
             " is not the recipe's " + expected);
    }
    // The result format's version is the contract's, written as a decimal string.
    const std::string version = std::to_string(contract::format_version);
    if (context_string(context, key::format_version) != version) {
        fail("format_version '" + context_string(context, key::format_version) +
             "' is not the contract's " + version);
    }
    for (const auto& path : split(context_string(context, key::paths_available), ',')) {
        if (!names_contain(contract::paths, path)) {
            fail("paths_available names " + path + ", which is not in the contract");
        }
        available.insert(path);
    }
    const auto skipped = context_string(context, key::paths_skipped);
    for (const auto& path : contract::paths) {
        const std::string name(path.name);
        if (all_paths && available.count(name) == 0 &&
            skipped.find(name + "/") == std::string::npos) {
            fail("path " + name + " is neither available nor listed as skipped with a reason");
        }
    }
}

// Every key of a benchmark entry is a Google Benchmark field, a measure or a counter of the
// contract.
void check_keys(const nlohmann::json& b, const std::string& name) {
    for (const auto& item : b.items()) {
        const auto& key = item.key();
        if (!names_contain(contract::benchmark_fields, key) &&
            !names_contain(contract::measures, key) && !names_contain(contract::counters, key)) {
            fail(name + ": " + key + " is not in format/contract.json");
        }
    }
}

// What decides which counters a benchmark entry has, besides its path.
struct entry_facts {
    bool sampling = false;  // the context key sampling is "on"
    bool remote = false;    // the transport is remote4 or remote6
    // The entry has system_cpu_us: the host had a nanosecond system-wide CPU source. A host
    // property, so the same for every entry of a run.
    bool system_cpu = false;
    // The context key thread_counters: hardware, task-clock, or none: and why.
    std::string thread_counters;
    // The context key vm_clock (sfb kernels): "instructions" under qemu's instruction clock;
    // wall or absent otherwise.
    std::string vm_clock;
};

// Whether the entries of this run had system_cpu_us so far (unset before the first).
std::optional<bool> run_system_cpu;

// Whether a benchmark entry must have `counter` (per its `when` in the contract), and why
// not when it must not.
bool counter_expected(const contract::counter_spec& counter, const contract::path_spec& path,
                      const entry_facts& facts, std::string& why_not) {
    const std::string_view when = counter.when;
    if (when == "zero_copy") {
        why_not = "on a path that is not zero-copy";
        return path.zero_copy;
    }
    if (when == "sampling") {
        why_not = "in a run without sampling (context key sampling is not on)";
        return facts.sampling;
    }
    const std::string no_system_cpu =
        "without system_cpu_us (its counters are written all together or not at all)";
    if (when == "system_cpu") {
        why_not = no_system_cpu;
        return facts.system_cpu;
    }
    if (when == "system_cpu_local") {
        why_not = facts.system_cpu ? "on a remote transport" : no_system_cpu;
        return facts.system_cpu && !facts.remote;
    }
    if (when == "system_cpu_sampling") {
        why_not = facts.system_cpu ? "in a run without sampling (context key sampling is not on)"
                                   : no_system_cpu;
        return facts.system_cpu && facts.sampling;
    }
    if (when == "hardware_counters" || when == "hardware_counters_local" || when == "task_clock" ||
        when == "task_clock_local") {
        const std::string set = when.starts_with("hardware") ? "hardware" : "task-clock";
        if (facts.thread_counters != set) {
            why_not =
                "in a run whose thread_counters is '" + facts.thread_counters + "', not " + set;
            return false;
        }
        why_not = "on a remote transport (the receiver is sfb-sink's)";
        return !(when.ends_with("_local") && facts.remote);
    }
    if (when == "instruction_clock") {
        why_not =
            "in a run whose vm_clock is not instructions (the guest's times are not "
            "instruction counts)";
        return facts.vm_clock == "instructions";
    }
    if (when == "retired") {
        why_not = "is retired: its only source, /proc/stat, counts 10 ms ticks";
        return false;
    }
    if (!when.empty()) {
        fail("counter " + std::string(counter.name) + ": unknown 'when' " + std::string(when) +
             " in the contract");
    }
    return true;
}

void check_counters(const nlohmann::json& b, const std::string& name,
                    const contract::path_spec& path, entry_facts facts) {
    if (b.value("time_unit", "") != "us") {
        fail(name + ": time_unit is not us");
    }
    namespace measure = contract::measure_name;
    if (!(b.value(measure::real_time, 0.0) > 0.0) || !(b.value(measure::cpu_time, -1.0) >= 0.0)) {
        fail(name + ": real_time/cpu_time missing or not positive");
    }
    if (!(b.value(measure::bytes_per_second, 0.0) > 0.0)) {
        fail(name + ": bytes_per_second missing");
    }
    facts.system_cpu = b.contains(contract::counter_name::system_cpu_us);
    if (!run_system_cpu) {
        run_system_cpu = facts.system_cpu;
    } else if (*run_system_cpu != facts.system_cpu) {
        fail(name + ": system_cpu_us is " + (facts.system_cpu ? "present" : "absent") +
             " here but not in an earlier entry: the host has its source or not");
    }
    for (const auto& counter : contract::counters) {
        const std::string key(counter.name);
        std::string why_not;
        const bool expected = counter_expected(counter, path, facts, why_not);
        if (expected && (!b.contains(key) || !b[key].is_number())) {
            fail(name + ": counter " + key + " missing");
        } else if (!expected && b.contains(key)) {
            fail(name + ": " + key + " " + why_not);
        }
    }
}

void check_benchmark(const nlohmann::json& b, bool verified, const entry_facts& run,
                     std::set<std::string>& families) {
    const std::string full_name = b.value("name", "");
    check_keys(b, full_name);
    const auto parsed = contract::parse_benchmark_name(full_name, contract::name_mode::strict);
    if (!parsed) {
        fail("benchmark name does not follow the contract: " + full_name + ": " + parsed.error);
        return;
    }
    // An aggregate's name ends in the suffix of its aggregate_name (e.g. "_median"), which the
    // parser took off; an iteration's has none.
    const bool aggregate = b.value("run_type", "iteration") == "aggregate";
    const std::string_view suffix = parsed.name->aggregate;
    if (aggregate ? suffix.empty() || suffix != b.value("aggregate_name", "") : !suffix.empty()) {
        fail(aggregate ? "aggregate " + full_name + " has no aggregate suffix of the contract"
                       : full_name + " has an aggregate suffix but is not an aggregate");
        return;
    }
    // The run name, which the messages below use: without the aggregate suffix.
    const std::string name = full_name.substr(
        0,
        full_name.size() - (aggregate ? contract::aggregate_separator.size() + suffix.size() : 0));
    const std::string path_name(parsed.name->values[path_segment]);
    const auto path = contract::parse_path_id(path_name);
    const std::uint64_t conns = parsed.name->numbers[conns_segment];
    if (parsed.name->threads != 0 && conns != parsed.name->threads) {
        fail("threads and conns disagree in " + name);
    }
    if (b.value("error_occurred", false)) {
        fail(name + " failed: " + b.value("error_message", std::string{}));
        return;
    }
    if (aggregate) {
        return;  // aggregates carry the same counters, checked on the iterations
    }
    families.insert(path_name);
    entry_facts facts = run;
    facts.remote = parsed.name->values[transport_segment].starts_with("remote");
    check_counters(b, name, contract::paths[static_cast<std::size_t>(*path)], facts);
    if (failures > 0) {
        return;
    }
    const double file = static_cast<double>(parsed.name->numbers[file_segment]);
    const auto near = [](double x, double y) { return std::fabs(x - y) <= 0.5 + 1e-9 * y; };
    namespace counter = contract::counter_name;
    if (!near(b[counter::pass_bytes].get<double>(), file)) {
        fail(name + ": pass_bytes differs from the file size");
    }
    if (!near(b[counter::bytes_received].get<double>(), file)) {
        fail(name + ": bytes_received per pass differs from the file size");
    }
    if (verified && !near(b[counter::bytes_verified].get<double>(), file)) {
        fail(name + ": bytes_verified per pass differs from the file size");
    }
    if (!(b[counter::syscalls_per_pass].get<double>() >= 1.0)) {
        fail(name + ": fewer than one system call per pass");
    }
    if (contract::paths[static_cast<std::size_t>(*path)].zero_copy) {
        const double copied = b[counter::zerocopy_copied].get<double>();
        if (copied < 0.0 || copied > 1.0) {
            fail(name + ": zerocopy_copied outside 0..1");
        }
    }
}

void check_no_files(const std::string& directory) {
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) {
        fail("cannot open " + directory);
        return;
    }
    while (const dirent* entry = ::readdir(dir)) {
        if (std::string(entry->d_name).rfind("sfb-bench-", 0) == 0) {
            fail(std::string("benchmark file left behind: ") + entry->d_name);
        }
    }
    ::closedir(dir);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: check_bench_json RESULT.json [--verified] [--all-paths] "
                     "[--no-files-in DIR]\n";
        return 2;
    }
    bool verified = false;
    bool all_paths = false;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--verified") {
            verified = true;
        } else if (arg == "--all-paths") {
            all_paths = true;
        } else if (arg == "--no-files-in" && i + 1 < argc) {
            check_no_files(argv[++i]);
        } else {
            std::cerr << "check_bench_json: unknown argument " << arg << "\n";
            return 2;
        }
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::cerr << "check_bench_json: cannot open " << argv[1] << "\n";
        return 1;
    }
    nlohmann::json result;
    try {
        std::ostringstream text;
        text << in.rdbuf();
        result = nlohmann::json::parse(sfb::format::replace_non_finite_numbers(text.str()));
    } catch (const nlohmann::json::exception& e) {
        std::cerr << "check_bench_json: " << argv[1] << ": " << e.what() << "\n";
        return 1;
    }
    if (!result.is_object()) {
        std::cerr << "check_bench_json: " << argv[1] << ": not a JSON object\n";
        return 1;
    }
    try {
        std::set<std::string> available;
        const auto context = result.value("context", nlohmann::json::object());
        check_context(context, all_paths, available);
        entry_facts run;
        run.sampling = context_string(context, contract::context_key_name::sampling) == "on";
        run.thread_counters = context_string(context, contract::context_key_name::thread_counters);
        run.vm_clock = context_string(context, contract::context_key_name::vm_clock);
        std::set<std::string> families;
        const auto benchmarks = result.value("benchmarks", nlohmann::json::array());
        if (benchmarks.empty()) {
            fail("no benchmarks in the result");
        }
        for (const auto& b : benchmarks) {
            check_benchmark(b, verified, run, families);
        }
        for (const auto& path : available) {
            if (families.count(path) == 0) {
                fail("available path " + path + " has no benchmark in the result");
            }
        }
        if (failures == 0) {
            std::cout << "check_bench_json: " << benchmarks.size() << " benchmarks, "
                      << families.size() << " families, context complete\n";
        }
    } catch (const nlohmann::json::exception& e) {
        // A member of the wrong JSON type (a number where a string belongs, ...).
        fail(std::string(argv[1]) + ": " + e.what());
    }
    return failures == 0 ? 0 : 1;
}
