#include "process.h"

#include "posix_io.h"
#include "safe_text.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sfb/retry.h>
#include <sfb/unique_fd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace sfb::harness {

namespace {

// The longest line of a program's output that is kept whole.
constexpr std::size_t kMaxLineBytes = 64 * 1024;

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

// Splits what arrives on `fd` into lines for on_line until end of file. A line longer than
// kMaxLineBytes is cut there (the rest of it is dropped, counted): a program that writes
// gigabytes without a newline must not make sfb hold them.
void read_lines(int fd, const std::function<void(const std::string&)>& on_line) {
    std::string pending;
    std::size_t dropped = 0;  // bytes of the current line beyond the cap
    // A failed read ends the output like the end of the file: the exit status says the rest.
    read_to_end(fd, [&](std::string_view chunk) {
        while (!chunk.empty()) {
            const std::size_t newline = chunk.find('\n');
            const std::string_view part = chunk.substr(0, newline);
            const std::size_t room = kMaxLineBytes - std::min(pending.size(), kMaxLineBytes);
            pending.append(part.substr(0, room));
            dropped += part.size() - std::min(part.size(), room);
            if (newline == std::string_view::npos) {
                break;
            }
            on_line(dropped == 0 ? pending : fmt::format("{}...({} more bytes)", pending, dropped));
            pending.clear();
            dropped = 0;
            chunk.remove_prefix(newline + 1);
        }
    });
    if (!pending.empty()) {
        on_line(dropped == 0 ? pending : fmt::format("{}...({} more bytes)", pending, dropped));
    }
}

// The child side of start_child, between fork and exec: only async-signal-safe calls. The
// child dies with `death_signal` when sfb dies, even by SIGKILL, so that no benchmark program
// or VM outlives a killed sfb; if sfb died before prctl took effect, the child is already an
// orphan (its parent changed) and stops at once. An exec failure's errno goes to `error_fd`.
[[noreturn]] void exec_child(char* const* argv, int out_fd, bool capture_stderr, int error_fd,
                             pid_t parent, int death_signal) {
    if (::prctl(PR_SET_PDEATHSIG, death_signal) != 0 || ::getppid() != parent) {
        ::_exit(127);
    }
    if (::dup2(out_fd, STDOUT_FILENO) < 0 ||
        (capture_stderr && ::dup2(out_fd, STDERR_FILENO) < 0)) {
        const int error = errno;
        [[maybe_unused]] const auto written = ::write(error_fd, &error, sizeof error);
        ::_exit(127);
    }
    ::execvp(argv[0], argv);
    const int error = errno;
    [[maybe_unused]] const auto written = ::write(error_fd, &error, sizeof error);
    ::_exit(127);
}

// Forks and execs argv with its output on `out_fd`; the pid, or benchmark_failure naming the
// reason the program could not start (the errno of exec, reported through a pipe that
// closes on a successful exec).
pid_t start_child(const std::vector<std::string>& argv, int out_fd, bool capture_stderr,
                  int death_signal) {
    std::vector<char*> c_argv;
    for (const auto& arg : argv) {
        c_argv.push_back(const_cast<char*>(arg.c_str()));
    }
    c_argv.push_back(nullptr);
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        throw benchmark_failure(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    const unique_fd error_read(error_pipe[0]);
    unique_fd error_write(error_pipe[1]);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw benchmark_failure(
            fmt::format("cannot start {}: {}", quoted_value(argv[0]), std::strerror(errno)));
    }
    if (pid == 0) {
        exec_child(c_argv.data(), out_fd, capture_stderr, error_write.get(), parent, death_signal);
    }
    error_write.reset();
    int error = 0;
    const auto got = retry_on_eintr([&] { return ::read(error_read.get(), &error, sizeof error); });
    if (got == static_cast<ssize_t>(sizeof error)) {
        int status = 0;
        retry_on_eintr([&] { return ::waitpid(pid, &status, 0); });
        throw benchmark_failure(
            fmt::format("cannot start {}: {}", quoted_value(argv[0]), std::strerror(error)));
    }
    return pid;
}

}  // namespace

int run_program(const std::vector<std::string>& argv,
                const std::function<void(const std::string&)>& on_line, bool capture_stderr,
                int death_signal) {
    install_stop_handlers();
    throw_if_stopped();
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw benchmark_failure(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    const unique_fd read_end(pipe_fds[0]);
    unique_fd write_end(pipe_fds[1]);
    const pid_t pid = start_child(argv, write_end.get(), capture_stderr, death_signal);
    write_end.reset();
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
