#include "store.h"

#include "posix_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sfb/fingerprint.h>
#include <sfb/format_contract.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sfb::harness {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::string read_text(const char* path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string slugify(std::string_view text) {
    std::string out = sfb::format::fingerprint_slug(text);
    return out.empty() ? std::string(sfb::format::unknown_value) : out;
}

std::string fingerprint_from_proc(std::string_view os, std::string_view kernel_release,
                                  std::string_view proc_cpuinfo, long online_cpus) {
    return slugify(sfb::format::machine_fingerprint(
        os, kernel_release, sfb::format::cpu_model_from_cpuinfo(proc_cpuinfo),
        std::to_string(online_cpus)));
}

std::string local_machine_fingerprint() {
    struct utsname names {};
    std::string os(sfb::format::unknown_value);
    std::string release(sfb::format::unknown_value);
    if (::uname(&names) == 0) {
        os = names.sysname;
        release = names.release;
    }
    return fingerprint_from_proc(os, release, read_text("/proc/cpuinfo"),
                                 ::sysconf(_SC_NPROCESSORS_ONLN));
}

std::string machine_fingerprint(const ordered_json& context) {
    const std::string key(sfb::format::context_key_name::machine_fingerprint);
    if (context.contains(key) && context[key].is_string()) {
        return slugify(context[key].get<std::string>());
    }
    return local_machine_fingerprint();
}

std::string result_commit(const ordered_json& context) {
    const std::string key(sfb::format::context_key_name::sfb_git_commit);
    if (context.contains(key) && context[key].is_string()) {
        return slugify(context[key].get<std::string>());
    }
    return "unknown";
}

std::string result_stem(std::chrono::system_clock::time_point when, std::string_view commit) {
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}", utc.tm_year + 1900, utc.tm_mon + 1,
                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, commit);
}

std::filesystem::path store_result(const std::filesystem::path& results_dir,
                                   const std::string& fingerprint, const std::string& stem,
                                   const std::string& content) {
    const std::filesystem::path folder = results_dir / fingerprint;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
        throw std::system_error(ec, "cannot create " + folder.string());
    }

    std::string temporary = (folder / ("." + stem + ".json.tmp-XXXXXX")).string();
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0) {
        throw_errno("cannot create a temporary file in " + folder.string());
    }
    try {
        if (const int error = write_all(fd, content); error != 0) {
            throw std::system_error(error, std::generic_category(), "cannot write " + temporary);
        }
        if (::fsync(fd) != 0) {
            throw_errno("cannot flush " + temporary);
        }
        // mkstemp creates 0600; results are ordinary data files.
        if (::fchmod(fd, 0644) != 0) {
            throw_errno("cannot set the mode of " + temporary);
        }
    } catch (...) {
        ::close(fd);
        ::unlink(temporary.c_str());
        throw;
    }
    ::close(fd);

    // link(2) publishes the complete file under its name in one step and, unlike rename(2),
    // fails with EEXIST instead of replacing a result that is already there.
    std::filesystem::path final_path;
    for (unsigned attempt = 0;; ++attempt) {
        const std::string name =
            attempt == 0 ? stem + ".json" : fmt::format("{}-{}.json", stem, attempt);
        final_path = folder / name;
        if (::link(temporary.c_str(), final_path.c_str()) == 0) {
            break;
        }
        if (errno != EEXIST || attempt > 10000) {
            const int saved = errno;
            ::unlink(temporary.c_str());
            errno = saved;
            throw_errno("cannot store " + final_path.string());
        }
    }
    ::unlink(temporary.c_str());
    // Make the new directory entry durable too.
    if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return final_path;
}

}  // namespace sfb::harness
