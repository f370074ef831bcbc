// Runs a program (bench_sendfile) as a child the way a shell with `ulimit` would: with resource
// limits, only descriptors 0-2 inherited, and its output captured, so tests can check its exit
// status, its JSON and what it left behind.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sfb::bench::testing_support {

struct child_setup {
    std::optional<rlim_t> open_files;  // RLIMIT_NOFILE, as `ulimit -n`
    std::optional<rlim_t> file_size;   // RLIMIT_FSIZE in bytes; SIGXFSZ is then ignored, so
                                       // writes past it fail with EFBIG
};

struct child_result {
    bool exited = false;  // false: killed by a signal (see signal) or timed out
    int exit_code = -1;
    int signal = 0;
    bool timed_out = false;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Starts `args` (args[0] is the program's path), stdout and stderr going to memory files.
class child_process {
  public:
    child_process(const std::vector<std::string>& args, const child_setup& setup = {});
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    // Waits for the child (killing it with SIGKILL after `timeout`) and collects its output.
    child_result wait(std::chrono::milliseconds timeout);

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
};

// Runs `args` to completion.
child_result run_child(const std::vector<std::string>& args, const child_setup& setup = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The absolute path of `name` found in $PATH, or "" when it is not installed.
std::string find_program(const std::string& name);

// Whether process `pid` holds a descriptor open on a file inside `directory` (including an
// unnamed or deleted one, which /proc shows as "<directory>/#123 (deleted)").
bool holds_file_in(pid_t pid, const std::string& directory);

}  // namespace sfb::bench::testing_support
