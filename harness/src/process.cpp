#include "process.h"

#include "posix_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sfb/retry.h>
#include <sfb/unique_fd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>

extern char** environ;

namespace sfb::harness {

namespace {

// Ctrl-C (or SIGTERM, SIGHUP) during a run: the signal is recorded, the running benchmark
// program is asked to stop, and run_program() then throws, so the stack unwinds and every
// temporary folder is removed; nothing is stored. A second signal kills the program.
volatile std::sig_atomic_t g_stop_signal = 0;
volatile std::sig_atomic_t g_stop_count = 0;
volatile std::sig_atomic_t g_child = 0;

extern "C" void on_stop_signal(int signal_number) {
    g_stop_signal = signal_number;
    g_stop_count = g_stop_count + 1;
    const auto child = static_cast<pid_t>(g_child);
    if (child <= 0) {
        return;
    }
    if (g_stop_count == 1) {
        ::kill(child, SIGTERM);
        static constexpr char kNote[] =
            "\nsfb: stopping the benchmark program (interrupt again to kill it)\n";
        [[maybe_unused]] const auto written = ::write(STDERR_FILENO, kNote, sizeof kNote - 1);
    } else {
        ::kill(child, SIGKILL);
    }
}

void install_stop_handlers() {
    static const bool installed = [] {
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
            ::sigaction(signal_number, &action, nullptr);
        }
        return true;
    }();
    (void)installed;
}

void throw_if_stopped() {
    if (g_stop_signal != 0) {
        throw benchmark_failure(
            fmt::format("interrupted by {}: the run was abandoned, nothing was stored",
                        ::strsignal(static_cast<int>(g_stop_signal))));
    }
}

// A started child process: reaped when the object goes away, killed first if it was not
// waited for (an exception while its output was read).
class child_process {
  public:
    explicit child_process(pid_t pid) : pid_(pid) { g_child = static_cast<std::sig_atomic_t>(pid); }
    ~child_process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            retry_on_eintr([&] { return ::waitpid(pid_, &status, 0); });
            g_child = 0;
        }
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    // The exit status as the shell reports it.
    int wait(const std::string& name) {
        int status = 0;
        if (retry_on_eintr([&] { return ::waitpid(pid_, &status, 0); }) < 0) {
            throw benchmark_failure(fmt::format("waiting for {}: {}", name, std::strerror(errno)));
        }
        pid_ = 0;
        g_child = 0;
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }

  private:
    pid_t pid_;
};

class spawn_actions {
  public:
    spawn_actions() { posix_spawn_file_actions_init(&actions_); }
    ~spawn_actions() { posix_spawn_file_actions_destroy(&actions_); }
    spawn_actions(const spawn_actions&) = delete;
    spawn_actions& operator=(const spawn_actions&) = delete;
    void dup2(int from, int to) { posix_spawn_file_actions_adddup2(&actions_, from, to); }
    const posix_spawn_file_actions_t* get() const { return &actions_; }

  private:
    posix_spawn_file_actions_t actions_{};
};

// Splits what arrives on `fd` into lines for on_line until end of file.
void read_lines(int fd, const std::function<void(const std::string&)>& on_line) {
    std::string pending;
    // A failed read ends the output like the end of the file: the exit status says the rest.
    read_to_end(fd, [&](std::string_view chunk) {
        pending += chunk;
        std::size_t newline = 0;
        while ((newline = pending.find('\n')) != std::string::npos) {
            on_line(pending.substr(0, newline));
            pending.erase(0, newline + 1);
        }
    });
    if (!pending.empty()) {
        on_line(pending);
    }
}

}  // namespace

int run_program(const std::vector<std::string>& argv,
                const std::function<void(const std::string&)>& on_line, bool capture_stderr) {
    install_stop_handlers();
    throw_if_stopped();
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw benchmark_failure(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    const unique_fd read_end(pipe_fds[0]);
    unique_fd write_end(pipe_fds[1]);
    spawn_actions actions;
    actions.dup2(write_end.get(), STDOUT_FILENO);
    if (capture_stderr) {
        actions.dup2(write_end.get(), STDERR_FILENO);
    }
    std::vector<char*> c_argv;
    for (const auto& arg : argv) {
        c_argv.push_back(const_cast<char*>(arg.c_str()));
    }
    c_argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawn_error =
        ::posix_spawnp(&pid, c_argv[0], actions.get(), nullptr, c_argv.data(), environ);
    write_end.reset();
    if (spawn_error != 0) {
        throw benchmark_failure(
            fmt::format("cannot start {}: {}", argv[0], std::strerror(spawn_error)));
    }
    child_process child(pid);
    if (g_stop_signal != 0) {
        ::kill(pid, SIGTERM);  // the signal came between the check above and the spawn
    }
    read_lines(read_end.get(), on_line);
    const int status = child.wait(argv[0]);
    throw_if_stopped();
    return status;
}

}  // namespace sfb::harness
