// The bench_sendfile of this build and the command line the tests start it with.
#pragma once

#include <string>
#include <vector>

namespace sfb::bench::testing_support {

// The path of the bench_sendfile this build made.
std::string bench_sendfile_path();

// bench_sendfile with its files in `dir`, one placement (free: the scheduler's choice, so each
// case is one benchmark), Google's shortest useful minimum time and JSON on stdout, followed
// by `extra` (a later flag overrides an earlier one).
std::vector<std::string> bench_command(const std::string& dir,
                                       const std::vector<std::string>& extra = {});

}  // namespace sfb::bench::testing_support
