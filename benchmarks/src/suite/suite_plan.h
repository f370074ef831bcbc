// What one bench_sendfile invocation will run: the directory the files go to, checked before
// anything is measured, and the plan's cases minus what this machine cannot run (each left-out
// combination named with its reason, for stderr and the JSON context).
#pragma once

#include <string>
#include <vector>

#include "benchmark_case.h"
#include "options.h"

namespace sfb::bench {

// Resolves options.directory to an absolute path and checks that it is a writable directory
// that suits the chosen caches (a cold cache needs pages that can be dropped, so no tmpfs).
// Sets `file_fs` to its file system type. Returns false with `error` set.
bool check_file_directory(suite_options& options, std::string& file_fs, std::string& error);

struct suite_plan {
    std::vector<benchmark_case> runnable;  // in plan order
    std::vector<std::string> available;    // paths runnable over at least one transport
    std::vector<std::string> skipped;      // "<what>: <why>" for everything left out
};

// Plans the benchmarks and probes, once per path and transport, what this machine can run.
suite_plan plan_runnable_benchmarks(const suite_options& options);

}  // namespace sfb::bench
