#include "test_support.h"

#include "bench_process.h"

#include <sys/wait.h>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sfb::harness::testing {

namespace {

std::string read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> snapshot(const std::filesystem::path& folder) {
    std::vector<std::pair<std::string, std::string>> files;
    if (!std::filesystem::exists(folder)) {
        return files;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
        if (entry.is_regular_file()) {
            files.emplace_back(entry.path().string(), read_all(entry.path()));
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

command_result run_sfb(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
    // The shell does the redirections; the arguments are quoted, so this is exact.
    temporary_folder capture;
    std::string command = "cd " + shell_quote(cwd.string()) + " && " + shell_quote(SFB_EXECUTABLE);
    for (const auto& arg : args) {
        command += " " + shell_quote(arg);
    }
    const auto out = capture.path() / "out";
    const auto err = capture.path() / "err";
    command += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) + " </dev/null";
    const int raw = std::system(command.c_str());
    command_result result;
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    result.out = read_all(out);
    result.err = read_all(err);
    return result;
}

}  // namespace sfb::harness::testing
