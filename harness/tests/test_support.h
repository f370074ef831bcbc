// Helpers shared by the harness tests.
#pragma once

#include "benchmark_json.h"

#include <filesystem>
#include <string>
#include <vector>

namespace sfb::harness::testing {

inline std::filesystem::path data(const std::string& name) {
    return std::filesystem::path(SFB_TEST_DATA) / name;
}

// Two benchmarks of the suite, as the result files under tests/data name them.
inline const std::string kSendfile =
    "sendfile/tcp4/copy/warm/file:1048576/block:65536/conns:1/real_time";
inline const std::string kReadSend =
    "read_send/tcp4/copy/warm/file:1048576/block:65536/conns:1/real_time";

// The results in the test data file or folder `name`.
inline result_set load(const std::string& name) {
    const std::filesystem::path p = data(name);
    return load_results(std::span(&p, 1));
}

// Every regular file under `folder` with its content, sorted by path.
std::vector<std::pair<std::string, std::string>> snapshot(const std::filesystem::path& folder);

struct command_result {
    int status = -1;
    std::string out;
    std::string err;
};

// Runs the sfb executable under test with these arguments, in `cwd`.
command_result run_sfb(const std::vector<std::string>& args,
                       const std::filesystem::path& cwd = std::filesystem::current_path());

}  // namespace sfb::harness::testing
