// The exit codes of sfb and its subcommands (`sfb --help` lists them):
//   0  success; for compare and ab: no regression
//   1  compare / ab: at least one benchmark regressed
//   2  bad input or usage: the message names the file and what is wrong
//   3  the benchmark program failed, or a result could not be written
//   4  compare, report, export: the answer is incomplete (completeness.h)
#pragma once

namespace sfb::harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitFailure = 3;
inline constexpr int kExitIncomplete = 4;

}  // namespace sfb::harness
