#include "bench_process.hpp"

#include "stats.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

extern char** environ;

namespace sfb::harness {

namespace {

// Ctrl-C (or SIGTERM, SIGHUP) during a run: the signal is recorded, the running benchmark
// program is asked to stop, and run_program() then throws, so the stack unwinds and every
// temporary folder is removed; nothing is stored. Without this the default action killed sfb
// on the spot and left its temporary folder behind.
volatile std::sig_atomic_t g_stop_signal = 0;
volatile std::sig_atomic_t g_child = 0;

extern "C" void on_stop_signal(int signal_number) {
    g_stop_signal = signal_number;
    const auto child = static_cast<pid_t>(g_child);
    if (child > 0) {
        ::kill(child, SIGTERM);
    }
}

void install_stop_handlers() {
    static const bool installed = [] {
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
            ::sigaction(signal_number, &action, nullptr);
        }
        return true;
    }();
    (void)installed;
}

void throw_if_stopped() {
    if (g_stop_signal != 0) {
        throw BenchmarkFailure(
            fmt::format("interrupted by {}: the run was abandoned, nothing was stored",
                        ::strsignal(static_cast<int>(g_stop_signal))));
    }
}

std::string format_duration(std::chrono::steady_clock::duration d) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    if (seconds >= 3600) {
        return fmt::format("{}h{:02}m{:02}s", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
    if (seconds >= 60) {
        return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
    }
    return fmt::format("{}s", seconds);
}

// Keys Google Benchmark writes on every run entry; the rest of the numeric keys are counters.
const std::set<std::string> kRunKeys = {"name",
                                        "family_index",
                                        "per_family_instance_index",
                                        "run_name",
                                        "run_type",
                                        "repetitions",
                                        "repetition_index",
                                        "threads",
                                        "iterations",
                                        "real_time",
                                        "cpu_time",
                                        "time_unit",
                                        "label",
                                        "error_occurred",
                                        "error_message",
                                        "aggregate_name",
                                        "aggregate_unit"};

}  // namespace

TemporaryFolder::TemporaryFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sfb-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "cannot create a temporary folder");
    }
    path_ = pattern;
}

TemporaryFolder::~TemporaryFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

int run_program(const std::vector<std::string>& argv,
                const std::function<void(const std::string&)>& on_line, bool capture_stderr) {
    install_stop_handlers();
    throw_if_stopped();
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw BenchmarkFailure(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    if (capture_stderr) {
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    }
    std::vector<char*> c_argv;
    for (const auto& arg : argv) {
        c_argv.push_back(const_cast<char*>(arg.c_str()));
    }
    c_argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawn_error =
        ::posix_spawnp(&pid, c_argv[0], &actions, nullptr, c_argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (spawn_error != 0) {
        ::close(pipe_fds[0]);
        throw BenchmarkFailure(
            fmt::format("cannot start {}: {}", argv[0], std::strerror(spawn_error)));
    }

    g_child = static_cast<std::sig_atomic_t>(pid);
    if (g_stop_signal != 0) {
        ::kill(pid, SIGTERM);  // the signal came between the check above and the spawn
    }
    std::string pending;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        pending.append(buffer, static_cast<std::size_t>(n));
        std::size_t newline = 0;
        while ((newline = pending.find('\n')) != std::string::npos) {
            on_line(pending.substr(0, newline));
            pending.erase(0, newline + 1);
        }
    }
    if (!pending.empty()) {
        on_line(pending);
    }
    ::close(pipe_fds[0]);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw BenchmarkFailure(
                fmt::format("waiting for {}: {}", argv[0], std::strerror(errno)));
        }
    }
    g_child = 0;
    throw_if_stopped();
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
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
        throw InputError(path, "benchmark program not found (build it, or name it with --bench)");
    }
    if (::access(path.c_str(), X_OK) != 0) {
        throw InputError(
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
        if (!line.empty()) {
            names.push_back(line);
        }
    });
    if (status != 0) {
        throw BenchmarkFailure(fmt::format("{} --benchmark_list_tests=true exited with status {}",
                                           program.string(), status));
    }
    return names;
}

Json run_round(const std::filesystem::path& program, const RoundSettings& settings,
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
                std::fprintf(stderr, "%s\n", line.c_str());
            }
            last_lines.push_back(line);
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
        throw BenchmarkFailure(fmt::format("{} exited with status {}; its last output:{}",
                                           program.string(), status, tail));
    }
    try {
        Json document = read_json_file(json_out);
        ResultSet check;
        add_benchmark_document(check, document, json_out);
        return document;
    } catch (const InputError& e) {
        throw BenchmarkFailure(
            fmt::format("{} wrote output the harness cannot use: {}", program.string(), e.what()));
    }
}

Json merge_rounds(const std::vector<Json>& rounds) {
    Json merged = Json::object();
    Json context =
        rounds.empty() ? Json::object() : rounds.front().value("context", Json::object());
    context["sfb_harness_rounds"] = std::to_string(rounds.size());
    merged["context"] = std::move(context);

    // Entries grouped by run name, in the order the benchmarks were registered
    // (family_index, per_family_instance_index) when the program wrote those keys.
    std::map<std::string, std::vector<Json>> entries;
    std::vector<std::pair<std::pair<long long, long long>, std::string>> order;
    for (const auto& round : rounds) {
        for (const auto& entry : round["benchmarks"]) {
            if (entry.value("run_type", "iteration") == "aggregate") {
                continue;
            }
            const std::string run_name = entry.value("run_name", entry.value("name", ""));
            auto [it, inserted] = entries.try_emplace(run_name);
            if (inserted) {
                const auto position = static_cast<long long>(order.size());
                const long long family = entry.value("family_index", position);
                const long long instance = entry.value("per_family_instance_index", 0LL);
                order.push_back({{family, instance}, run_name});
            }
            it->second.push_back(entry);
        }
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });

    Json benchmarks = Json::array();
    for (const auto& [key, run_name] : order) {
        auto& runs = entries[run_name];
        const auto count = static_cast<long long>(runs.size());
        std::vector<const Json*> measured;
        for (long long i = 0; i < count; ++i) {
            Json& entry = runs[static_cast<std::size_t>(i)];
            entry["repetitions"] = count;
            entry["repetition_index"] = i;
            benchmarks.push_back(entry);
            if (!entry.value("error_occurred", false)) {
                measured.push_back(&entry);
            }
        }
        if (measured.size() < 2) {
            continue;
        }
        // The numeric fields to aggregate: the times and every counter.
        std::vector<std::string> fields = {"real_time", "cpu_time"};
        for (const auto& [field, value] : measured.front()->items()) {
            if (value.is_number() && !kRunKeys.contains(field)) {
                fields.push_back(field);
            }
        }
        const Json& first = *measured.front();
        for (const char* aggregate : {"mean", "median", "stddev", "cv"}) {
            Json a = Json::object();
            a["name"] = run_name + "_" + aggregate;
            for (const char* copied : {"family_index", "per_family_instance_index"}) {
                if (first.contains(copied)) {
                    a[copied] = first[copied];
                }
            }
            a["run_name"] = run_name;
            a["run_type"] = "aggregate";
            a["repetitions"] = count;
            a["threads"] = first.value("threads", 1);
            a["aggregate_name"] = aggregate;
            a["aggregate_unit"] = std::string(aggregate) == "cv" ? "percentage" : "time";
            a["iterations"] = measured.size();
            for (const auto& field : fields) {
                std::vector<double> values;
                for (const Json* run : measured) {
                    if (run->contains(field) && (*run)[field].is_number()) {
                        values.push_back((*run)[field].get<double>());
                    }
                }
                if (values.empty()) {
                    continue;
                }
                const std::string name = aggregate;
                double result = 0;
                if (name == "mean") {
                    result = mean(values);
                } else if (name == "median") {
                    result = median(values);
                } else if (name == "stddev") {
                    result = sample_stddev(values);
                } else {
                    const double m = mean(values);
                    result = m == 0 ? 0 : sample_stddev(values) / m;
                }
                a[field] = result;
                if (field == "cpu_time") {
                    a["time_unit"] = first.value("time_unit", "ns");
                }
            }
            benchmarks.push_back(std::move(a));
        }
    }
    merged["benchmarks"] = std::move(benchmarks);
    return merged;
}

Progress::Progress(std::size_t total, bool terminal)
    : total_(total), terminal_(terminal), start_(std::chrono::steady_clock::now()) {}

void Progress::step(const std::string& what) {
    ++done_;
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    std::string left = "";
    if (done_ < total_) {
        const auto estimate =
            elapsed * static_cast<long>(total_ - done_) / static_cast<long>(done_);
        left = fmt::format(", about {} left", format_duration(estimate));
    }
    const std::string line =
        fmt::format("[{}/{}, {} to go, {} elapsed{}] {}", done_, total_,
                    total_ > done_ ? total_ - done_ : 0, format_duration(elapsed), left, what);
    if (terminal_) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void Progress::finish() {
    if (terminal_) {
        std::fprintf(stderr, "\n");
    }
    std::fprintf(stderr, "done in %s\n",
                 format_duration(std::chrono::steady_clock::now() - start_).c_str());
}

}  // namespace sfb::harness
