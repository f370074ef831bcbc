#include "child_process.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace sfb::bench::testing_support {

namespace {

std::string read_all(int fd) {
    std::string text;
    char buffer[4096];
    off_t at = 0;
    for (;;) {
        const ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
        if (n <= 0) {
            return text;
        }
        text.append(buffer, static_cast<std::size_t>(n));
        at += n;
    }
}

// In the child between fork() and exec(): only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, int out, int err, const child_setup& setup) {
    if (::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
        ::_exit(126);
    }
    ::close_range(3, UINT_MAX, 0);
    if (setup.open_files) {
        const rlimit limit{*setup.open_files, *setup.open_files};
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (setup.file_size) {
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{*setup.file_size, *setup.file_size};
        ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ::execv(argv[0], argv);
    ::_exit(127);
}

}  // namespace

child_process::child_process(const std::vector<std::string>& args, const child_setup& setup)
    : out_(::memfd_create("child-stdout", MFD_CLOEXEC)),
      err_(::memfd_create("child-stderr", MFD_CLOEXEC)) {
    std::vector<std::string> copies = args;
    std::vector<char*> argv;
    for (auto& arg : copies) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    if (out_ < 0 || err_ < 0 || argv.size() < 2) {
        return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        exec_child(argv.data(), out_, err_, setup);
    }
}

child_process::~child_process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) {
        ::close(out_);
    }
    if (err_ >= 0) {
        ::close(err_);
    }
}

child_result child_process::wait(std::chrono::milliseconds timeout) {
    child_result result;
    if (pid_ <= 0) {
        result.err = "the child could not be started";
        return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            result.timed_out = true;
            ::kill(pid_, SIGKILL);
            done = ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    if (done > 0 && WIFEXITED(status) && !result.timed_out) {
        result.exited = true;
        result.exit_code = WEXITSTATUS(status);
    } else if (done > 0 && WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    result.out = read_all(out_);
    result.err = read_all(err_);
    return result;
}

child_result run_child(const std::vector<std::string>& args, const child_setup& setup,
                       std::chrono::milliseconds timeout) {
    child_process child(args, setup);
    return child.wait(timeout);
}

std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const std::string candidate = std::string(dirs.substr(0, colon)) + "/" + name;
        // Relative $PATH entries are skipped: not a program a test should run.
        if (candidate.starts_with("/") && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    }
    return "";
}

bool holds_file_in(pid_t pid, const std::string& directory) {
    const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = ::opendir(fds.c_str());
    if (dir == nullptr) {
        return false;
    }
    bool found = false;
    while (const dirent* entry = ::readdir(dir)) {
        char target[PATH_MAX];
        const std::string link = fds + "/" + entry->d_name;
        const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        if (n > 0 &&
            std::string(target, static_cast<std::size_t>(n)).starts_with(directory + "/")) {
            found = true;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

}  // namespace sfb::bench::testing_support
