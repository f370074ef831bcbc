#include "destinations.h"

#include "cli.h"
#include "posix_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sfb/unique_fd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

namespace sfb::harness {

namespace {

// Creates and removes a probe file in `folder`: the only check that holds for root, read-only
// mounts and full file systems alike. Returns 0 or the errno of the failure.
int probe_folder(const std::filesystem::path& folder) {
    std::string probe = (folder / ".sfb-probe-XXXXXX").string();
    const int fd = ::mkstemp(probe.data());
    if (fd < 0) {
        return errno;
    }
    ::close(fd);
    ::unlink(probe.c_str());
    return 0;
}

std::filesystem::path folder_of(const std::filesystem::path& file) {
    const auto parent = file.parent_path();
    return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

void check_writable_file(const std::string& option, const std::filesystem::path& file) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (!ec && std::filesystem::is_directory(status)) {
        throw usage_error(fmt::format("--{} {}: is a folder, not a file", option, file.string()));
    }
    const auto folder = folder_of(file);
    if (!std::filesystem::is_directory(folder, ec)) {
        throw usage_error(fmt::format("--{} {}: the folder {} does not exist", option,
                                      file.string(), folder.string()));
    }
    if (!ec && std::filesystem::exists(status)) {
        const unique_fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK));
        if (!fd) {
            throw usage_error(fmt::format("--{} {}: cannot be written: {}", option, file.string(),
                                          std::strerror(errno)));
        }
        return;
    }
    if (const int error = probe_folder(folder); error != 0) {
        throw usage_error(fmt::format("--{} {}: cannot create a file in {}: {}", option,
                                      file.string(), folder.string(), std::strerror(error)));
    }
}

void check_writable_folder(const std::string& option, const std::filesystem::path& folder) {
    std::error_code ec;
    std::filesystem::path existing = folder;
    while (!std::filesystem::exists(existing, ec)) {
        if (!existing.has_relative_path() || existing.parent_path() == existing) {
            break;
        }
        existing = existing.has_parent_path() ? existing.parent_path() : ".";
    }
    if (!std::filesystem::is_directory(existing, ec)) {
        throw usage_error(
            fmt::format("--{} {}: {} is not a folder", option, folder.string(), existing.string()));
    }
    if (const int error = probe_folder(existing); error != 0) {
        throw usage_error(fmt::format("--{} {}: cannot create files in {}: {}", option,
                                      folder.string(), existing.string(), std::strerror(error)));
    }
}

namespace {

void write_with(const std::filesystem::path& file, const std::string& content, int mode_flag) {
    const unique_fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | mode_flag | O_CLOEXEC, 0644));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "cannot write " + file.string());
    }
    if (const int error = write_all(fd.get(), content); error != 0) {
        throw std::system_error(error, std::generic_category(), "cannot write " + file.string());
    }
    if (::fsync(fd.get()) != 0 && errno != EINVAL) {
        throw std::system_error(errno, std::generic_category(), "cannot write " + file.string());
    }
}

}  // namespace

void write_file(const std::filesystem::path& file, const std::string& content) {
    write_with(file, content, O_TRUNC);
}

void append_file(const std::filesystem::path& file, const std::string& content) {
    write_with(file, content, O_APPEND);
}

std::filesystem::path keep_unsaved(const std::string& content) {
    std::vector<std::filesystem::path> folders;
    if (const char* tmpdir = std::getenv("TMPDIR"); tmpdir != nullptr && *tmpdir != '\0') {
        folders.emplace_back(tmpdir);
    }
    folders.emplace_back("/tmp");
    folders.emplace_back(".");
    for (const auto& folder : folders) {
        std::string name = (folder / "sfb-unsaved-XXXXXX.json").string();
        const int fd = ::mkstemps(name.data(), 5);
        if (fd < 0) {
            continue;
        }
        ::close(fd);
        try {
            write_file(name, content);
            return std::filesystem::absolute(name);
        } catch (const std::system_error&) {
            ::unlink(name.c_str());
        }
    }
    return {};
}

}  // namespace sfb::harness
