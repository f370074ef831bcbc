#include "leftovers.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sfb/unique_fd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

namespace sfb::harness {

namespace {

// Field 22 of /proc/PID/stat (the start time in clock ticks since boot), read after the last
// ')' because the command name may hold spaces and parentheses; nullopt when PID does not run
// (or has ended and is a zombie).
std::optional<unsigned long long> start_time(long pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string text;
    if (!in || !std::getline(in, text)) {
        return std::nullopt;
    }
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    if (!(fields >> field) || field == "Z") {
        return std::nullopt;  // a zombie has ended: only its parent has not reaped it yet
    }
    for (int i = 4; i < 22 && fields >> field; ++i) {
    }
    unsigned long long ticks = 0;
    if (!(fields >> ticks)) {
        return std::nullopt;
    }
    return ticks;
}

// True when `folder` holds an owner record whose process is gone (or is another process that
// reused its pid).
bool owner_is_gone(const std::filesystem::path& folder) {
    const unique_fd fd(::open((folder / kOwnerFile).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        return false;
    }
    char buffer[64] = {};
    const auto got = ::read(fd.get(), buffer, sizeof buffer - 1);
    long pid = 0;
    unsigned long long recorded = 0;
    std::istringstream in(std::string(buffer, got > 0 ? static_cast<std::size_t>(got) : 0));
    if (!(in >> pid >> recorded) || pid <= 0) {
        return false;
    }
    const auto now = start_time(pid);
    return !now || *now != recorded;
}

}  // namespace

bool record_owner(const std::filesystem::path& folder) {
    const auto self = start_time(::getpid());
    std::ofstream out(folder / kOwnerFile);
    out << ::getpid() << ' ' << (self ? *self : 0) << '\n';
    out.flush();
    return static_cast<bool>(out);
}

unsigned remove_dead_owners_folders(const std::filesystem::path& base) {
    unsigned removed = 0;
    std::error_code ec;
    std::filesystem::directory_iterator it(base, ec);
    for (const std::filesystem::directory_iterator end; !ec && it != end; it.increment(ec)) {
        const auto& folder = it->path();
        struct stat info {};
        if (!folder.filename().string().starts_with("sfb-") ||
            ::lstat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
            info.st_uid != ::getuid() || !owner_is_gone(folder)) {
            continue;
        }
        std::error_code remove_error;
        std::filesystem::remove_all(folder, remove_error);
        removed += remove_error ? 0U : 1U;
    }
    return removed;
}

}  // namespace sfb::harness
