#include "file_benchmark.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sfb/format_contract.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cpu_meter.h"
#include "interference.h"
#include "pass_samples.h"
#include "placement.h"
#include "send_session.h"

namespace sfb::bench {

namespace {

// Every counter is named by the contract (format/contract.json).
namespace counter_name = sfb::format::counter_name;

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
        error_ = pin_this_thread(cpu, "sender");
        pinned_ = error_.empty();
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

// Where connection `connection` runs: --sfb_pin's CPUs when given, else the case's placement.
thread_cpus cpus_of(const benchmark_case& bc, const suite_options& options, int connection) {
    if (options.sender_cpu >= 0) {
        return {cpu_for(options.sender_cpu, connection), cpu_for(options.receiver_cpu, connection)};
    }
    return placement_cpus(bc.where, connection, online_cpus());
}

session_config config_for(const benchmark_case& bc, const suite_options& options, int connection) {
    session_config config{};
    config.bench = bc;
    config.verify = options.verify;
    config.receiver_cpu = cpus_of(bc, options, connection).receiver;
    config.sample_cpus = options.sampling;
    config.sockets = {options.sndbuf, options.rcvbuf, options.nodelay, options.congestion};
    config.cork = options.cork;
    config.mtu = options.mtu;
    config.remote = options.sink;
    config.thread_counters = options.thread_counters;
    if (const auto inject = options.inject_cpu_us.find(bc.path);
        inject != options.inject_cpu_us.end()) {
        config.inject_cpu_us = inject->second;
    }
    return config;
}

// The most descriptors one connection takes while it opens: three sockets while connecting,
// a network namespace's, the path's own (the file opened again, a pipe, an io_uring ring),
// /proc/sys/fs/pipe-max-size, and the sender's and the receiver's perf_event_open counters
// (two each with --sfb_thread_counters=hardware).
constexpr rlim_t kDescriptorsPerConnection = 12;
// The descriptors that stay free while connections are open, so that the run never opens
// until EMFILE: each connection may need two at a time (a /proc read; UBSan's vptr check
// makes a pipe to test that a vtable is readable, and when it cannot it takes the object for
// a bad one and ends the program, its JSON unfinished), and the run its own (/proc/stat).
constexpr rlim_t kFreePerConnection = 2;
constexpr rlim_t kFreePerRun = 16;

// Whether connection `connection` of `connections` can open and still leave free the
// descriptors the run keeps. False with `error` set when it cannot.
bool descriptors_for_connection(int connection, int connections, std::string& error) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        error = std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
        return false;
    }
    const long open = open_descriptors();
    if (open < 0) {
        error =
            std::string("counting the open descriptors (/proc/self/fd): ") + std::strerror(errno);
        return false;
    }
    const rlim_t kept = kFreePerRun + kFreePerConnection * static_cast<rlim_t>(connections);
    if (static_cast<rlim_t>(open) + kDescriptorsPerConnection + kept <= limit.rlim_cur) {
        return true;
    }
    error = "too few descriptors for connection " + std::to_string(connection + 1) + " of " +
            std::to_string(connections) + ": " + std::to_string(open) + " of the " +
            std::to_string(limit.rlim_cur) + " RLIMIT_NOFILE allows are open, a connection " +
            "takes up to " + std::to_string(kDescriptorsPerConnection) + " and " +
            std::to_string(kept) + " must stay free (" + std::to_string(kFreePerConnection) +
            " per connection, " + std::to_string(kFreePerRun) +
            " for the run); raise ulimit -n or use fewer --sfb_connections";
    return false;
}

// Opens the connection's session and sends the untimed warm-up pass, which fills the page
// cache, opens the TCP window, grows the socket buffers and faults in the mmap paths' mapping.
// Returns nullptr with `error` set on failure.
std::unique_ptr<send_session> open_warm_session(const benchmark_case& bc,
                                                const suite_options& options, file_store& files,
                                                int connection, std::string& error) {
    std::unique_ptr<send_session> session;
    {
        // One connection opens at a time, so each counts the descriptors the others took.
        static std::mutex opening;
        const std::lock_guard lock(opening);
        if (!descriptors_for_connection(connection, bc.connections, error)) {
            return nullptr;
        }
        const bench_file* file = files.get(bc.file_size, error);
        if (file == nullptr) {
            return nullptr;
        }
        session = send_session::open(config_for(bc, options, connection), *file, error);
    }
    if (session && !session->run_pass()) {
        error = "warm-up " + session->error();
        return nullptr;
    }
    return session;
}

// What a session had counted when the timed passes began; the counters are differences.
struct session_snapshot {
    session_totals totals{};
    std::uint64_t received = 0;
    std::uint64_t verified = 0;
    double receiver_cpu_us = 0.0;
    std::optional<host_cpu_us> receiver_host;      // remote transports only
    std::optional<thread_counts> sender_counts;    // --sfb_thread_counters, where they opened
    std::optional<thread_counts> receiver_counts;  // the same, not on a remote transport

    static session_snapshot of(const send_session& session) {
        return {session.totals(),          session.bytes_received(),    session.bytes_verified(),
                session.receiver_cpu_us(), session.receiver_host_cpu(), session.sender_counts(),
                session.receiver_counts()};
    }
};

// The suite's own samples of one run (--sfb_sampling): every pass's wall time, where the
// threads were at the end of each pass, and (thread 0 only) other processes' CPU.
struct run_samples {
    pass_samples passes;
    placement_record where;
    interference_meter interference;
    bool counts_interference = false;
};

// Drops the file from the page cache before a cold pass, with the timers (Google's, the
// system-wide meter and the interference meter) stopped. False after SkipWithError.
bool drop_cache_untimed(benchmark::State& state, send_session& session, system_cpu_meter* system,
                        run_samples* samples) {
    state.PauseTiming();
    if (system != nullptr) {
        (void)session.receiver_cpu_us();  // charges the receiver's run time so far
        system->stop();
    }
    if (samples != nullptr && samples->counts_interference) {
        samples->interference.stop();
    }
    if (!session.drop_cache()) {
        state.SkipWithError(session.error().c_str());
        return false;
    }
    if (system != nullptr) {
        system->start();
    }
    if (samples != nullptr && samples->counts_interference) {
        samples->interference.start();
    }
    state.ResumeTiming();
    return true;
}

// Google's timed loop: one pass per iteration. `system` (thread 0 only) counts system-wide CPU
// from the first iteration, after Google's start barrier, so every connection is set up.
// Returns the session's counts at the first iteration. Google never enters the loop when the
// run was skipped before it, so `session` is used only when it exists.
session_snapshot timed_passes(benchmark::State& state, send_session* session, cache_mode cache,
                              system_cpu_meter* system, run_samples* samples) {
    session_snapshot start{};
    bool first = true;
    while (state.KeepRunning()) {
        if (first) {
            first = false;
            state.PauseTiming();
            // The snapshot first: reading the receiver's CPU clock charges its run time so far
            // to the system-wide source that system->start() then reads.
            start = session_snapshot::of(*session);
            if (system != nullptr) {
                system->start();
            }
            if (samples != nullptr) {
                samples->passes.reserve(static_cast<std::size_t>(state.max_iterations));
                samples->where.start(session->receiver_cpus());
                if (samples->counts_interference) {
                    samples->interference.start();
                }
            }
            state.ResumeTiming();
        }
        if (cache == cache_mode::cold && !drop_cache_untimed(state, *session, system, samples)) {
            continue;
        }
        if (samples != nullptr) {
            samples->passes.begin_pass();
        }
        if (!session->run_pass()) {
            state.SkipWithError(session->error().c_str());
        }
        if (samples != nullptr) {
            samples->passes.end_pass();
            samples->where.end_pass(session->receiver_cpus());
        }
    }
    return start;
}

// The per-pass perf_event_open counters of one thread (the sender's, or with `receiver` the
// receiver's) from the first to the end of the last timed pass, as for receiver_cpu_us; none
// when they did not open or never ran on the PMU (thread_counters.h).
void set_thread_counters(benchmark::State& state, thread_counter_set set,
                         const std::optional<thread_counts>& from,
                         const std::optional<thread_counts>& to, bool receiver) {
    const auto counted = from && to ? counted_between(*from, *to) : std::nullopt;
    if (!counted) {
        return;
    }
    // kAvgIterations divides by the iterations of all threads together: per pass.
    const auto per_pass = [&](std::string_view name, double total) {
        state.counters[std::string(name)] =
            benchmark::Counter(total, benchmark::Counter::kAvgIterations);
    };
    if (set == thread_counter_set::hardware) {
        per_pass(receiver ? counter_name::receiver_instructions_per_pass
                          : counter_name::instructions_per_pass,
                 (*counted)[0]);
        per_pass(receiver ? counter_name::receiver_cycles_per_pass : counter_name::cycles_per_pass,
                 (*counted)[1]);
    } else if (set == thread_counter_set::task_clock) {
        per_pass(receiver ? counter_name::receiver_task_clock_us : counter_name::task_clock_us,
                 (*counted)[0] / 1e3);
    }
}

// The per-pass counters of a finished run. `system` is null on every connection but the
// first, and where the host has no nanosecond system-wide CPU source (system_cpu_meter): then
// the counters from that source are not written, rather than written in /proc/stat's 10 ms
// steps (benchmarks/README.md, "CPU counters"). softirq_us, receiver_softirq_us and steal_us,
// which only /proc/stat counts, are never written.
void set_counters(benchmark::State& state, const benchmark_case& bc, const session_snapshot& start,
                  const session_snapshot& end, const system_cpu_meter* system) {
    using benchmark::Counter;
    // kAvgIterations divides by the iterations of all threads together: per pass.
    const auto per_pass = [&](std::string_view name, double total) {
        state.counters[std::string(name)] = Counter(total, Counter::kAvgIterations);
    };
    const auto per_thread = [&](std::string_view name, double value) {
        state.counters[std::string(name)] = Counter(value, Counter::kAvgThreads);
    };
    const auto delta = [](std::uint64_t to, std::uint64_t from) {
        return static_cast<double>(to - from);
    };
    per_pass(counter_name::receiver_cpu_us, end.receiver_cpu_us - start.receiver_cpu_us);
    if (system != nullptr) {
        const double busy = system->busy_us();
        per_pass(counter_name::system_cpu_us, busy);
        per_pass(counter_name::service_demand_us_per_kib,
                 busy / (static_cast<double>(bc.file_size) / 1024.0));
        // The receiving host is this one unless the transport is remote; a remote sink's
        // host CPU comes from its /proc/stat, in ticks, so it is not written.
        if (!start.receiver_host && !end.receiver_host) {
            per_pass(counter_name::receiver_system_cpu_us, busy);
        }
    }
    per_pass(counter_name::syscalls_per_pass, delta(end.totals.syscalls, start.totals.syscalls));
    per_pass(counter_name::bytes_received, delta(end.received, start.received));
    per_pass(counter_name::bytes_verified, delta(end.verified, start.verified));
    per_thread(counter_name::pass_bytes, static_cast<double>(bc.file_size));
    if (is_zero_copy(bc.path)) {
        const auto completions =
            delta(end.totals.zerocopy_completions, start.totals.zerocopy_completions);
        const auto copied = delta(end.totals.zerocopy_copied, start.totals.zerocopy_copied);
        per_thread(counter_name::zerocopy_copied, completions == 0 ? 0.0 : copied / completions);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bc.file_size));
}

// The counters of --sfb_sampling (benchmarks/README.md, "Placement, interference and
// per-pass samples"). Thread 0 alone measures interference.
void set_sample_counters(benchmark::State& state, const run_samples& samples,
                         const cpu_trace& receiver) {
    using benchmark::Counter;
    const auto per_pass = [&](std::string_view name, double total) {
        state.counters[std::string(name)] = Counter(total, Counter::kAvgIterations);
    };
    const auto per_thread = [&](std::string_view name, double value) {
        state.counters[std::string(name)] = Counter(value, Counter::kAvgThreads);
    };
    // Thread 0 writes other_cpu_us where the system-wide source exists; the others write
    // nothing, which Google Benchmark's merge of the threads' counters leaves as thread 0's.
    if (samples.counts_interference && samples.interference.valid()) {
        per_pass(counter_name::other_cpu_us, samples.interference.other_cpu_us());
    }
    per_pass(counter_name::migrations, static_cast<double>(samples.where.migrations(receiver)));
    per_thread(counter_name::same_cpu_share, samples.where.same_cpu_share());
    const pass_summary passes = samples.passes.summarize();
    per_thread(counter_name::pass_min_us, passes.min_us);
    per_thread(counter_name::pass_q10_us, passes.q10_us);
    per_thread(counter_name::pass_q25_us, passes.q25_us);
    per_thread(counter_name::pass_median_us, passes.median_us);
    per_thread(counter_name::pass_q75_us, passes.q75_us);
    per_thread(counter_name::pass_q90_us, passes.q90_us);
    per_thread(counter_name::pass_max_us, passes.max_us);
    per_thread(counter_name::pass_bimodal, passes.bimodal() ? 1.0 : 0.0);
}

}  // namespace

long open_descriptors() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    long count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        count += entry->d_name[0] != '.' ? 1 : 0;
    }
    ::closedir(dir);
    return count - 1;  // the directory's own
}

int cpu_for(int first, int connection) {
    if (first < 0) {
        return -1;
    }
    // In 64 bits: --sfb_pin may be as large as INT_MAX, and first + connection must not
    // overflow an int.
    const long long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    return static_cast<int>((static_cast<long long>(first) + connection) % cpus);
}

void run_file_benchmark(benchmark::State& state, const benchmark_case& bc,
                        const suite_options& options, file_store& files) {
    const int connection = state.thread_index();
    const affinity_guard pin(cpus_of(bc, options, connection).sender);
    std::string error = pin.error();
    std::unique_ptr<send_session> session;
    if (error.empty()) {
        session = open_warm_session(bc, options, files, connection, error);
    }
    if (!error.empty()) {
        state.SkipWithError(error.c_str());
    }
    const bool counts_system = connection == 0;
    system_cpu_meter system;
    std::unique_ptr<run_samples> samples;
    if (options.sampling) {
        samples = std::make_unique<run_samples>();
        samples->counts_interference = counts_system;
    }
    const session_snapshot start = timed_passes(state, session.get(), bc.cache,
                                                counts_system ? &system : nullptr, samples.get());
    // The sender's counters end where the timed loop ended: stopping the meters below is no
    // pass's work.
    const auto sender_end = session ? session->sender_counts() : std::nullopt;
    if (counts_system) {
        if (session) {
            (void)session->receiver_cpu_us();  // charges the receiver's run time so far
        }
        system.stop();
    }
    if (samples && samples->counts_interference) {
        samples->interference.stop();
    }
    if (!session) {
        return;
    }
    const session_snapshot end = session_snapshot::of(*session);
    if (!session->finish() && !state.error_occurred()) {
        state.SkipWithError(session->error().c_str());
    }
    if (state.error_occurred()) {
        return;
    }
    set_counters(state, bc, start, end, counts_system && system.valid() ? &system : nullptr);
    set_thread_counters(state, options.thread_counters, start.sender_counts, sender_end, false);
    set_thread_counters(state, options.thread_counters, start.receiver_counts, end.receiver_counts,
                        true);
    if (samples) {
        set_sample_counters(state, *samples, session->receiver_cpus());
    }
}

}  // namespace sfb::bench
