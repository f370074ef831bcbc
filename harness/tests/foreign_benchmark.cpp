// A Google Benchmark program that has nothing to do with sendfile, to check that the harness
// takes any program's output: other names, nanoseconds, items and bytes per second, no
// sfb context keys. tests/data/foreign_program.json was written by a real run of it:
//   sfb_foreign_benchmark --benchmark_repetitions=5 --benchmark_min_time=0.01
//       --benchmark_out=foreign_program.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

namespace {

void BM_SortVector(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::uint32_t> values(n);
    for (auto _ : state) {
        state.PauseTiming();
        std::uint32_t x = 12345;
        for (auto& v : values) {
            x = x * 1103515245u + 12345u;
            v = x;
        }
        state.ResumeTiming();
        std::sort(values.begin(), values.end());
        benchmark::DoNotOptimize(values.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SortVector)->Arg(1024)->Arg(16384);

void BM_Memcpy(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<char> source(n, 'x');
    std::vector<char> target(n);
    for (auto _ : state) {
        std::memcpy(target.data(), source.data(), n);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
    state.counters["chunk"] = static_cast<double>(n);
}
BENCHMARK(BM_Memcpy)->Arg(65536)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
