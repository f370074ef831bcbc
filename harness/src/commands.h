// The sfb subcommands. Each returns the process exit code:
//   0  success; for compare and ab: no regression
//   1  compare / ab: at least one benchmark regressed
//   2  bad input or usage: the message names the file and what is wrong
//   3  the benchmark program failed, or a result could not be written
#pragma once

#include <span>
#include <string>

namespace sfb::harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitFailure = 3;

// argv without the program name: the subcommand and its arguments.
int sfb_main(std::span<const std::string> args);

}  // namespace sfb::harness
