// The body of every benchmark bench_sendfile registers: one run of one case on one connection.
//
// Timing: the benchmark thread is the sending thread, so Google's default CPU timer (this
// thread only) gives cpu_time = the sender's CPU per pass, the measure pysendfile meant by "CPU
// usec/pass". The program registers every case with UseRealTime(), so Google sizes the run and
// computes bytes_per_second from wall time; the default would divide by CPU time, which for a
// sender that sleeps on a full socket inflates the rate. A pass ends when the receiver has
// counted the whole file, so real_time is delivery, not just hand-over to a socket buffer.
// Each run (Google runs a benchmark several times to size it) opens a fresh connection and
// sends one untimed warm-up pass first.
#pragma once

#include <benchmark/benchmark.h>

#include "benchmark_case.h"
#include "options.h"
#include "test_file.h"

namespace sfb::bench {

// One benchmark run of `bc` on connection `state.thread_index()`. Failures end the run with
// state.SkipWithError and a message; Google Benchmark writes it into the JSON.
void run_file_benchmark(benchmark::State& state, const benchmark_case& bc,
                        const suite_options& options, file_store& files);

// The CPU of connection `connection` when the first connection's is `first` (-1: none):
// first + connection, modulo the number of online CPUs.
int cpu_for(int first, int connection);

// The number of descriptors this process has open (/proc/self/fd), or -1 with errno set.
long open_descriptors();

}  // namespace sfb::bench
