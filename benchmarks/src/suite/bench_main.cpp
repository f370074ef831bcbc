// bench_sendfile: registers one Google Benchmark per selected case and runs them.
// The pieces: the suite's flags (options.cpp), the directory check and the probing of what this
// machine can run (suite_plan.cpp), the benchmark body with its timed loop and counters
// (file_benchmark.cpp), and the JSON context (machine_context.cpp, suite_context.cpp).
#include <benchmark/benchmark.h>
#include <sfb/format_contract.h>
#include <sfb/printable.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "console_report.h"
#include "file_benchmark.h"
#include "google_benchmark.h"
#include "machine_context.h"
#include "options.h"
#include "strict_json.h"
#include "suite_context.h"
#include "suite_plan.h"
#include "thread_counters.h"
#include "transport_route.h"

namespace {

using namespace sfb::bench;

void print_help() {
    std::cout << suite_usage();
    benchmark::PrintDefaultHelp();
}

// Hands the arguments the suite did not take to Google Benchmark. False (after Google printed
// why) when one of them is not Google's either.
bool initialize_google_benchmark(int argc, char** argv) {
    // Every time is in microseconds unless --benchmark_time_unit says otherwise: the unit is
    // set as Google's default, which that flag overrides, not on each benchmark, which would
    // override the flag.
    benchmark::SetDefaultTimeUnit(benchmark::kMicrosecond);
    // Google's default minimum time per benchmark (0.5 s) would take the default plan close to
    // a minute on a 2-core machine; 0.3 s keeps it well under. A --benchmark_min_time given on
    // the command line comes later in argv and wins.
    std::vector<char*> args(argv, argv + argc);
    std::string default_min_time = "--benchmark_min_time=0.3";
    args.insert(args.begin() + 1, default_min_time.data());
    args.push_back(nullptr);
    int arg_count = argc + 1;
    benchmark::Initialize(&arg_count, args.data(), print_help);
    return !benchmark::ReportUnrecognizedArguments(arg_count, args.data());
}

// Registers every runnable case. `any_failed` becomes true when a run of one ends with an error.
void register_benchmarks(const suite_plan& plan, const suite_options& options, file_store& files,
                         std::atomic<bool>& any_failed) {
    for (const auto& bc : plan.runnable) {
        auto* b = benchmark::RegisterBenchmark(
            bc.name().c_str(), [bc, &options, &files, &any_failed](benchmark::State& state) {
                run_file_benchmark(state, bc, options, files);
                if (state.error_occurred()) {
                    any_failed.store(true, std::memory_order_relaxed);
                }
            });
        b->UseRealTime();
        if (bc.connections > 1) {
            b->Threads(bc.connections);
        }
    }
}

// Every argument must be plain text of a sane length before any of it is printed: Google
// echoes an argument it does not know as it is, and a control character or broken UTF-8
// there would reach the terminal or a CI log.
bool arguments_are_plain_text(int argc, char** argv, std::string& error) {
    constexpr std::size_t longest = 4096;  // PATH_MAX: the longest useful value is a path
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.size() > longest || !sfb::is_plain_text(arg)) {
            error = "argument " + std::to_string(i) + " (" + sfb::printable(arg, 96) + ") " +
                    (arg.size() > longest ? "is longer than " + std::to_string(longest) + " bytes"
                                          : "is not plain UTF-8 text");
            return false;
        }
    }
    return true;
}

// A run that ran nothing still writes a complete JSON document (the context, no benchmarks)
// wherever JSON was asked for, so that a reader sees an empty result rather than an empty
// file, and says why on stderr; the exit status keeps CI from taking it for a pass.
int report_nothing_ran(const json_outputs& json, const suite_plan& plan) {
    const auto write_empty = [](std::ostream& out) {
        strict_json_reporter reporter;
        reporter.SetOutputStream(&out);
        reporter.SetErrorStream(&std::cerr);
        reporter.ReportContext(benchmark::BenchmarkReporter::Context());
        reporter.Finalize();
    };
    if (json.display) {
        write_empty(std::cout);
    }
    if (json.file) {
        std::ofstream out(json.file_path, std::ios::trunc);
        write_empty(out);
        if (!out.flush()) {
            std::cerr << "bench_sendfile: cannot write " << sfb::printable(json.file_path) << "\n";
        }
    }
    if (plan.runnable.empty()) {
        // Said before the run: every selected benchmark was skipped on this machine.
        return 1;
    }
    std::cerr << "bench_sendfile: --benchmark_filter matches none of the " << plan.runnable.size()
              << " planned benchmarks: nothing ran\n";
    return 2;
}

void add_context(const context_entries& entries) {
    for (const auto& [key, value] : entries) {
        benchmark::AddCustomContext(key, value);
    }
}

}  // namespace

int main(int argc, char** argv) {
    // A receiver that went away must give EPIPE on write(), not kill the run (send() uses
    // MSG_NOSIGNAL, write() cannot).
    ::signal(SIGPIPE, SIG_IGN);
    // Many connections need many descriptors, and each keeps some free (file_benchmark.cpp):
    // the soft limit (often 1024) is raised to the hard one (ulimit -Hn).
    if (rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }

    suite_options options;
    std::string error;
    if (!arguments_are_plain_text(argc, argv, error) ||
        !parse_suite_flags(argc, argv, options, error)) {
        std::cerr << "bench_sendfile: " << error << "\n";
        return 2;
    }
    // Before Google takes its flags out of argv.
    if (!check_google_flags(argc, argv, error)) {
        std::cerr << "bench_sendfile: " << error << "\n";
        return 2;
    }
    const json_outputs json = find_json_outputs(argc, argv);
    if (!initialize_google_benchmark(argc, argv)) {
        return 2;
    }
    std::string file_fs;
    if (!check_file_directory(options, file_fs, error)) {
        std::cerr << "bench_sendfile: " << error << "\n";
        return 2;
    }

    // The sink is reached, and its token checked, before anything runs: a wrong address or
    // token is an error of the whole run, not a list of skipped benchmarks.
    std::unique_ptr<remote_sink> sink;
    if (!options.remote.empty()) {
        sink = remote_sink::connect(options.remote, options.token, error);
        if (!sink) {
            std::cerr << "bench_sendfile: " << error << "\n";
            return 1;
        }
        options.sink = sink.get();
        options.transports = {sink->ipv6() ? transport::remote6 : transport::remote4};
    }

    // Each thread opens its own counters; one open here says before anything runs whether
    // they open at all on this machine, and why not (then none are opened, and the context
    // key thread_counters gives the reason).
    if (options.thread_counters != thread_counter_set::off) {
        const thread_counters probe = thread_counters::open(options.thread_counters);
        if (!probe.active()) {
            options.thread_counters_unavailable = probe.reason();
            options.thread_counters = thread_counter_set::off;
        }
    }

    const suite_plan plan = plan_runnable_benchmarks(options);
    for (const auto& line : plan.skipped) {
        std::cerr << "bench_sendfile: skipped " << line << "\n";
    }
    static file_store files(options.directory, static_cast<std::size_t>(options.write_chunk));
    std::atomic<bool> any_failed{false};
    register_benchmarks(plan, options, files, any_failed);
    add_context(machine_context());
    add_context(suite_context(options, file_fs, plan));
    add_context(route_context(options.transports, sink.get(), options.mtu));
    benchmark::AddCustomContext(
        std::string(sfb::format::context_key_name::gbench_library_build_type),
        library_build_type_meaning(library_build_type()));

    if (plan.runnable.empty()) {
        std::cerr << "bench_sendfile: nothing to run: every selected benchmark was skipped\n";
    }
    strict_json_reporter display_json;
    strict_json_reporter file_json;
    // The console format: compact rows and the paths against read_send, unless
    // --sfb_counters=all asks for Google's rows with every counter (nullptr: Google's own).
    console_reporter display_console;
    benchmark::BenchmarkReporter* display = nullptr;
    if (json.display) {
        display = &display_json;
    } else if (json.console && !options.all_counters) {
        display = &display_console;
    }
    const std::size_t ran =
        benchmark::RunSpecifiedBenchmarks(display, json.file ? &file_json : nullptr);
    // Before Shutdown(), which frees the custom context the empty document still needs.
    const int nothing_ran_status = ran == 0 ? report_nothing_ran(json, plan) : 0;
    benchmark::Shutdown();
    files.close_all();
    if (ran == 0) {
        return nothing_ran_status;
    }
    // Exit 1 once the JSON is complete: each failed benchmark is in it with its error_message,
    // and a caller that checks only the status (a CI step, sfb run) must not take the result
    // for a measurement.
    if (any_failed.load()) {
        std::cerr << "bench_sendfile: at least one benchmark failed; its error_message is in the "
                     "output\n";
        return 1;
    }
    return 0;
}
