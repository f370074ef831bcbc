#include "bench_process.h"

#include "leftovers.h"
#include "safe_text.h"

#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace sfb::harness {

namespace {

// More benchmarks than any suite has: the bound keeps a program that prints without end
// from growing sfb's list of names without end.
constexpr std::size_t kMaxBenchmarks = 100'000;
// As in the result files (benchmark_json.cpp): longer names cannot be matched by --filter.
constexpr std::size_t kMaxNameBytes = 4096;

std::filesystem::path temporary_base() {
    const char* tmpdir = std::getenv("TMPDIR");
    return tmpdir != nullptr && *tmpdir != '\0' ? std::filesystem::path(tmpdir) : "/tmp";
}

const char* temporary_source() {
    const char* tmpdir = std::getenv("TMPDIR");
    return tmpdir != nullptr && *tmpdir != '\0' ? " (TMPDIR)" : "";
}

// True when the file system holding `folder` has no room left for an unprivileged writer.
bool folder_is_full(const std::filesystem::path& folder) {
    struct statvfs info {};
    return ::statvfs(folder.c_str(), &info) == 0 && info.f_bavail == 0;
}

// "; benchmark X failed: message" for every failed entry of the output, if it can be read.
std::string failed_benchmarks(const ordered_json& document) {
    std::string out;
    for (const auto& entry : document["benchmarks"]) {
        if (entry.is_object() && entry.value("error_occurred", false)) {
            out += fmt::format("; benchmark {} failed: {}", entry.value("name", "?"),
                               entry.value("error_message", "error occurred"));
        }
    }
    return out;
}

std::string failed_benchmarks(const std::filesystem::path& json_out) {
    try {
        const ordered_json document = read_json_file(json_out);
        result_set check;
        add_benchmark_document(check, document, json_out);
        return failed_benchmarks(document);
    } catch (const input_error&) {
        return "";
    }
}

}  // namespace

temporary_folder::temporary_folder() {
    const std::filesystem::path base = temporary_base();
    remove_dead_owners_folders(base);
    std::string pattern = (base / "sfb-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(),
                                fmt::format("cannot create a temporary folder in {}{}",
                                            base.string(), temporary_source()));
    }
    path_ = pattern;
    if (!record_owner(path_) || folder_is_full(path_)) {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
        throw std::system_error(ENOSPC, std::generic_category(),
                                fmt::format("the temporary folder {}{} is full; the benchmark "
                                            "program could not write its results there",
                                            base.string(), temporary_source()));
    }
}

temporary_folder::~temporary_folder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::filesystem::path default_bench_path() {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return "bench_sendfile";
    }
    return self.parent_path().parent_path() / "benchmarks" / "bench_sendfile";
}

void check_executable(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw input_error(path, "benchmark program not found (build it, or name it with --bench)");
    }
    if (::access(path.c_str(), X_OK) != 0) {
        throw input_error(
            path, fmt::format("benchmark program is not executable: {}", std::strerror(errno)));
    }
}

std::vector<std::string> list_benchmarks(const std::filesystem::path& program,
                                         const std::vector<std::string>& args) {
    std::vector<std::string> argv = {program.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.emplace_back("--benchmark_list_tests=true");
    std::vector<std::string> names;
    const int status = run_program(argv, [&](const std::string& line) {
        if (line.empty()) {
            return;
        }
        if (line.size() > kMaxNameBytes) {
            throw input_error(program, fmt::format("lists a benchmark name of {} bytes; names "
                                                   "are accepted up to {} bytes",
                                                   line.size(), kMaxNameBytes));
        }
        if (names.size() == kMaxBenchmarks) {
            throw input_error(program, fmt::format("lists more than {} benchmarks; narrow them "
                                                   "down with --benchmark_filter",
                                                   kMaxBenchmarks));
        }
        names.push_back(line);
    });
    if (status != 0) {
        throw benchmark_failure(fmt::format("{} --benchmark_list_tests=true exited with status {}",
                                            program.string(), status));
    }
    return names;
}

ordered_json run_round(const std::filesystem::path& program, const round_settings& settings,
                       const std::filesystem::path& json_out, const std::set<std::string>& names,
                       const std::function<void(const std::string&)>& on_done) {
    // Defaults first, so that arguments passed through can override them; the output options
    // last, because the harness depends on them.
    std::vector<std::string> argv = {
        program.string(), "--benchmark_repetitions=1",
        "--benchmark_enable_random_interleaving=true",
        fmt::format("--benchmark_min_warmup_time={}", settings.warmup_seconds)};
    argv.insert(argv.end(), settings.args.begin(), settings.args.end());
    argv.push_back("--benchmark_out=" + json_out.string());
    argv.emplace_back("--benchmark_out_format=json");
    argv.emplace_back("--benchmark_format=console");
    argv.emplace_back("--benchmark_color=false");

    // The program's standard error joins its standard output: Google Benchmark writes its
    // context header there every round, which would bury the progress line; it is shown when
    // the program fails, or always with `verbose`.
    std::vector<std::string> last_lines;
    std::set<std::string> reported;
    const int status = run_program(
        argv,
        [&](const std::string& line) {
            if (settings.verbose) {
                print_message(line);
            }
            last_lines.push_back(safe_text(line, 512));
            if (last_lines.size() > 20) {
                last_lines.erase(last_lines.begin());
            }
            // Console result lines start with the benchmark's name, padded with spaces.
            // Repetitions passed through (--benchmark_repetitions) print one line each: count a
            // benchmark once per round.
            const std::string first = line.substr(0, line.find(' '));
            if (names.contains(first) && reported.insert(first).second) {
                on_done(first);
            }
        },
        true);
    if (status != 0) {
        std::string tail;
        for (const auto& l : last_lines) {
            tail += "\n  " + l;
        }
        throw benchmark_failure(
            fmt::format("{} exited with status {}{}; nothing was stored; its "
                        "last output:{}",
                        program.string(), status, failed_benchmarks(json_out), tail));
    }
    ordered_json document;
    try {
        document = read_json_file(json_out);
        result_set check;
        add_benchmark_document(check, document, json_out);
    } catch (const input_error& e) {
        if (folder_is_full(json_out.parent_path())) {
            throw benchmark_failure(fmt::format(
                "{} could not write its results: the temporary folder {}{} is full (no space "
                "left on device)",
                program.string(), json_out.parent_path().string(), temporary_source()));
        }
        throw benchmark_failure(
            fmt::format("{} wrote output the harness cannot use: {}", program.string(), e.what()));
    }
    if (const std::string failed = failed_benchmarks(document); !failed.empty()) {
        throw benchmark_failure(fmt::format("{} reported failed benchmarks:{}; nothing was stored",
                                            program.string(), failed.substr(1)));
    }
    return document;
}

}  // namespace sfb::harness
