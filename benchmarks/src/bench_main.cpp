// bench_sendfile: registers one Google Benchmark per selected case and runs them.
//
// Timing (REFERENCE.md section 3): the benchmark thread is the sending thread, so Google's
// default CPU timer (this thread only) gives cpu_time = the sender's CPU per pass, the
// measure pysendfile meant by "CPU usec/pass". UseRealTime() makes Google size the run and
// compute bytes_per_second from wall time; the default would divide by CPU time, which for a
// sender that sleeps on a full socket inflates the rate. A pass ends when the receiver has
// counted the whole file, so real_time is delivery, not just hand-over to a socket buffer.
// Each run (Google runs a benchmark several times to size it) opens a fresh connection and
// sends one untimed warm-up pass first.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <vector>

#include "cpu_meter.h"
#include "machine_context.h"
#include "options.h"
#include "send_session.h"

namespace {

using namespace sfb::bench;

// Pins the calling thread for one benchmark run and restores its old mask afterwards:
// Google Benchmark runs thread 0 on the main thread, which must not stay pinned.
class affinity_guard {
  public:
    explicit affinity_guard(int cpu) {
        if (cpu < 0) {
            return;
        }
        if (::pthread_getaffinity_np(::pthread_self(), sizeof saved_, &saved_) != 0) {
            error_ = "pthread_getaffinity_np failed";
            return;
        }
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(static_cast<unsigned>(cpu), &set);
        if (const int err = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
            err != 0) {
            error_ =
                "cannot pin the sender to CPU " + std::to_string(cpu) + ": " + std::strerror(err);
            return;
        }
        pinned_ = true;
    }
    ~affinity_guard() {
        if (pinned_) {
            ::pthread_setaffinity_np(::pthread_self(), sizeof saved_, &saved_);
        }
    }
    affinity_guard(const affinity_guard&) = delete;
    affinity_guard& operator=(const affinity_guard&) = delete;
    const std::string& error() const noexcept { return error_; }

  private:
    cpu_set_t saved_{};
    bool pinned_ = false;
    std::string error_;
};

int cpu_for(int first, int connection) {
    if (first < 0) {
        return -1;
    }
    const auto cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    return (first + connection) % cpus;
}

// One benchmark run on one connection (Google Benchmark thread `state.thread_index()`).
void send_file_benchmark(benchmark::State& state, const benchmark_case& bc,
                         const suite_options& options, file_store& files) {
    const int connection = state.thread_index();
    const affinity_guard pin(cpu_for(options.sender_cpu, connection));
    std::string error = pin.error();
    std::unique_ptr<send_session> session;
    if (error.empty()) {
        if (const bench_file* file = files.get(bc.file_size, error)) {
            session_config config{};
            config.path = bc.path;
            config.transport_kind = bc.transport_kind;
            config.receiver = bc.receiver;
            config.cache = bc.cache;
            config.block = bc.block;
            config.verify = options.verify;
            config.receiver_cpu = cpu_for(options.receiver_cpu, connection);
            config.sockets = {options.sndbuf, options.rcvbuf, options.nodelay};
            config.cork = options.cork;
            if (const auto inject = options.inject_cpu_us.find(bc.path);
                inject != options.inject_cpu_us.end()) {
                config.inject_cpu_us = inject->second;
            }
            session = send_session::open(config, *file, error);
        }
    }
    // The untimed warm-up pass fills the page cache, opens the TCP window, grows the socket
    // buffers and faults in the mmap paths' mapping.
    if (session && !session->run_pass()) {
        error = "warm-up " + session->error();
    }
    if (!error.empty()) {
        state.SkipWithError(error.c_str());
    }

    // System-wide CPU is counted once, by thread 0, from its first iteration (after Google's
    // start barrier, so every connection is set up) to after the stop barrier.
    const bool counts_system = connection == 0;
    system_cpu_meter system;
    session_totals start{};
    std::uint64_t received_at_start = 0;
    std::uint64_t verified_at_start = 0;
    double receiver_cpu_at_start = 0.0;
    bool first = true;
    while (state.KeepRunning()) {
        if (first) {
            first = false;
            state.PauseTiming();
            if (counts_system) {
                system.start();
            }
            start = session->totals();
            received_at_start = session->bytes_received();
            verified_at_start = session->bytes_verified();
            receiver_cpu_at_start = session->receiver_cpu_us();
            state.ResumeTiming();
        }
        if (bc.cache == cache_mode::cold) {
            state.PauseTiming();
            if (counts_system) {
                system.stop();
            }
            if (!session->drop_cache()) {
                state.SkipWithError(session->error().c_str());
                continue;
            }
            if (counts_system) {
                system.start();
            }
            state.ResumeTiming();
        }
        if (!session->run_pass()) {
            state.SkipWithError(session->error().c_str());
        }
    }
    if (counts_system) {
        system.stop();
    }
    if (!session) {
        return;
    }
    const session_totals end = session->totals();
    const double receiver_cpu = session->receiver_cpu_us() - receiver_cpu_at_start;
    const std::uint64_t received = session->bytes_received() - received_at_start;
    const std::uint64_t verified = session->bytes_verified() - verified_at_start;
    if (!session->finish() && !state.error_occurred()) {
        state.SkipWithError(session->error().c_str());
    }
    if (state.error_occurred()) {
        return;
    }
    using benchmark::Counter;
    // kAvgIterations divides by the iterations of all threads together: per pass.
    const auto per_pass = [&](const char* name, double total) {
        state.counters[name] = Counter(total, Counter::kAvgIterations);
    };
    const double pass_kib = static_cast<double>(bc.file_size) / 1024.0;
    const double busy = counts_system && system.valid() ? system.busy_us() : 0.0;
    per_pass("receiver_cpu_us", receiver_cpu);
    per_pass("system_cpu_us", busy);
    per_pass("softirq_us", counts_system && system.valid() ? system.softirq_us() : 0.0);
    per_pass("service_demand_us_per_kib", busy / pass_kib);
    per_pass("syscalls_per_pass", static_cast<double>(end.syscalls - start.syscalls));
    per_pass("bytes_received", static_cast<double>(received));
    per_pass("bytes_verified", static_cast<double>(verified));
    state.counters["pass_bytes"] = Counter(static_cast<double>(bc.file_size), Counter::kAvgThreads);
    if (is_zero_copy(bc.path)) {
        const auto completions = end.zerocopy_completions - start.zerocopy_completions;
        const auto copied = end.zerocopy_copied - start.zerocopy_copied;
        state.counters["zerocopy_copied"] = Counter(
            completions == 0 ? 0.0 : static_cast<double>(copied) / static_cast<double>(completions),
            Counter::kAvgThreads);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bc.file_size));
}

void print_help() {
    std::cout << suite_usage();
    benchmark::PrintDefaultHelp();
}

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

template <typename T, typename Namer>
std::string join_names(const std::vector<T>& items, Namer name) {
    std::vector<std::string> names;
    for (const auto& item : items) {
        names.emplace_back(name(item));
    }
    return join(names, ",");
}

}  // namespace

int main(int argc, char** argv) {
    // A receiver that went away must give EPIPE on write(), not kill the run (send() uses
    // MSG_NOSIGNAL, write() cannot).
    ::signal(SIGPIPE, SIG_IGN);

    suite_options options;
    std::string error;
    if (!parse_suite_flags(argc, argv, options, error)) {
        std::cerr << "bench_sendfile: " << error << "\n";
        return 2;
    }
    // Google's default minimum time per benchmark (0.5 s) would take the default plan close to
    // a minute on a 2-core machine; 0.3 s keeps it well under. A --benchmark_min_time given on
    // the command line comes later in argv and wins.
    std::vector<char*> args(argv, argv + argc);
    std::string default_min_time = "--benchmark_min_time=0.3";
    args.insert(args.begin() + 1, default_min_time.data());
    args.push_back(nullptr);
    int arg_count = argc + 1;
    benchmark::Initialize(&arg_count, args.data(), print_help);
    if (benchmark::ReportUnrecognizedArguments(arg_count, args.data())) {
        return 2;
    }

    char resolved[PATH_MAX];
    struct stat info {};
    if (::realpath(options.directory.c_str(), resolved) == nullptr ||
        ::stat(resolved, &info) != 0 || !S_ISDIR(info.st_mode) || ::access(resolved, W_OK) != 0) {
        std::cerr << "bench_sendfile: --sfb_dir=" << options.directory
                  << " is not a writable directory\n";
        return 2;
    }
    options.directory = resolved;
    const std::string file_fs = file_system_of(options.directory);
    const bool cold = std::find(options.caches.begin(), options.caches.end(), cache_mode::cold) !=
                      options.caches.end();
    if (cold && (file_fs == "tmpfs" || file_fs == "ramfs")) {
        std::cerr << "bench_sendfile: --sfb_cache=cold needs a disk-backed --sfb_dir; "
                  << options.directory << " is " << file_fs << ", whose pages cannot be dropped\n";
        return 2;
    }

    std::vector<std::string> skipped;
    const auto cases = plan_benchmarks(options, skipped);
    // What this machine cannot run, found once per path and transport.
    std::map<std::pair<path_id, transport>, path_availability> availability;
    std::vector<transport> usable_transports;
    for (const transport t : options.transports) {
        std::string connect_error;
        if (connect_loopback(t, {}, connect_error).sender) {
            usable_transports.push_back(t);
        } else {
            skipped.push_back("*/" + std::string(transport_name(t)) +
                              ": cannot connect over loopback: " + connect_error);
        }
    }
    std::vector<std::string> available;
    const std::vector<path_id> paths =
        options.paths.empty() ? std::vector<path_id>(all_paths.begin(), all_paths.end())
                              : options.paths;
    for (const path_id p : paths) {
        bool anywhere = false;
        for (const transport t : usable_transports) {
            const auto found = probe_path(p, t);
            availability[{p, t}] = found;
            if (found.available) {
                anywhere = true;
            } else {
                skipped.push_back(std::string(path_name(p)) + "/" + std::string(transport_name(t)) +
                                  ": " + found.reason);
            }
        }
        if (anywhere) {
            available.emplace_back(path_name(p));
        }
    }
    for (const auto& line : skipped) {
        std::cerr << "bench_sendfile: skipped " << line << "\n";
    }

    static file_store files(options.directory, static_cast<std::size_t>(options.write_chunk));
    file_store::install_signal_cleanup();
    int registered = 0;
    for (const auto& bc : cases) {
        const auto found = availability.find({bc.path, bc.transport_kind});
        if (found == availability.end() || !found->second.available) {
            continue;
        }
        auto* b = benchmark::RegisterBenchmark(bc.name().c_str(),
                                               [bc, &options](benchmark::State& state) {
                                                   send_file_benchmark(state, bc, options, files);
                                               });
        b->UseRealTime()->Unit(benchmark::kMicrosecond);
        if (bc.connections > 1) {
            b->Threads(bc.connections);
        }
        ++registered;
    }

    for (const auto& [key, value] : machine_context()) {
        benchmark::AddCustomContext(key, value);
    }
    benchmark::AddCustomContext("transport", join_names(options.transports, transport_name));
    benchmark::AddCustomContext("receiver", join_names(options.receivers, receive_mode_name));
    benchmark::AddCustomContext("file_dir", options.directory);
    benchmark::AddCustomContext("file_fs", file_fs);
    benchmark::AddCustomContext("file_write_chunk", std::to_string(options.write_chunk));
    benchmark::AddCustomContext("page_cache", join_names(options.caches, [](cache_mode c) {
                                    return c == cache_mode::warm
                                               ? "warm"
                                               : "cold (posix_fadvise DONTNEED before each pass)";
                                }));
    benchmark::AddCustomContext("paths_available", join(available, ","));
    benchmark::AddCustomContext("paths_skipped", join(skipped, "; "));
    benchmark::AddCustomContext(
        "connections", join_names(options.connections, [](int n) { return std::to_string(n); }));
    benchmark::AddCustomContext(
        "pinning", options.sender_cpu < 0
                       ? "none"
                       : "sender " + std::to_string(options.sender_cpu) + ", receiver " +
                             std::to_string(options.receiver_cpu) + " (+connection index)");
    benchmark::AddCustomContext("verify", options.verify ? "on" : "off");
    benchmark::AddCustomContext(
        "socket_options",
        "sndbuf=" + (options.sndbuf > 0 ? std::to_string(options.sndbuf) : "auto") +
            " rcvbuf=" + (options.rcvbuf > 0 ? std::to_string(options.rcvbuf) : "auto") +
            " nodelay=" + (options.nodelay ? "on" : "off") +
            " cork=" + (options.cork ? "on" : "off"));
    benchmark::AddCustomContext("sfb_flags", options.flags_given);

    if (registered == 0) {
        std::cerr << "bench_sendfile: nothing to run: every selected benchmark was skipped\n";
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    files.remove_all();
    return 0;
}
