// Starting a program and reading its output line by line, with Ctrl-C handled: the child is
// stopped and always reaped, and its pipe always closed, whatever happens while it runs.
#pragma once

#include <csignal>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sfb::harness {

// The benchmark program could not be started or failed. Exit code 3.
class benchmark_failure : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Runs argv (argv[0] a path, or a name looked up in PATH), calling on_line for every line the
// program writes to its standard output, and to its standard error too with capture_stderr
// (otherwise that goes to ours). Returns the exit status as the shell reports it (128 +
// signal when killed). Throws benchmark_failure when the program cannot be started. If on_line
// throws, the program is killed and reaped before the exception leaves.
//
// Ctrl-C (SIGINT), SIGTERM or SIGHUP while it runs: the program gets SIGTERM, and a second
// such signal sends SIGKILL (for a program that ignores SIGTERM); then benchmark_failure
// ("interrupted by ...") is thrown so that the caller's temporary files are removed.
//
// The program gets `death_signal` should sfb die first, even by SIGKILL (PR_SET_PDEATHSIG):
// SIGKILL for a benchmark program, SIGTERM for a script that must stop what it started.
// Lines longer than 64 KiB reach on_line cut, with the count of bytes left out.
int run_program(const std::vector<std::string>& argv,
                const std::function<void(const std::string&)>& on_line, bool capture_stderr = false,
                int death_signal = SIGKILL);

}  // namespace sfb::harness
