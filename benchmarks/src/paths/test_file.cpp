#include "test_file.h"

#include <fcntl.h>
#include <sfb/retry.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "pattern.h"

namespace sfb::bench {

namespace {

// An unnamed regular file in `directory`. O_TMPFILE (Linux 3.11) creates it without a name;
// file systems without it (EOPNOTSUPP, or EISDIR from kernels that predate the flag) get a
// unique name from mkostemp that is unlinked before anything else happens. Returns the
// descriptor, or -1 with errno set.
int create_unnamed_file(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR)) {
        return fd;
    }
    std::string name = directory + "/sfb-bench-XXXXXX";
    const int named = ::mkostemp(name.data(), O_CLOEXEC);
    if (named >= 0 && ::unlink(name.c_str()) != 0) {
        const int err = errno;
        ::close(named);
        errno = err;
        return -1;
    }
    return named;
}

int write_pattern_file(int fd, std::uint64_t size, std::size_t chunk_bytes) {
    std::vector<unsigned char> chunk(chunk_bytes);
    std::uint64_t done = 0;
    while (done < size) {
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes, size - done));
        fill_pattern(done, std::span(chunk.data(), want));
        std::size_t put = 0;
        while (put < want) {
            const ssize_t n = retry_on_eintr([&] {
                return ::pwrite(fd, chunk.data() + put, want - put, static_cast<off_t>(done + put));
            });
            if (n < 0) {
                return errno;
            }
            put += static_cast<std::size_t>(n);
        }
        done += want;
    }
    // Written pages are dirty; only clean pages can be dropped for a cold-cache pass, and
    // writeback running during a measurement would disturb it.
    return ::fsync(fd) == 0 ? 0 : errno;
}

}  // namespace

bench_file::bench_file(unique_fd fd, std::uint64_t size)
    : fd_(std::move(fd)), size_(size), reopen_path_("/proc/self/fd/" + std::to_string(fd_.get())) {}

int bench_file::drop_cache() const noexcept {
    return ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_DONTNEED);
}

double bench_file::resident_fraction() const noexcept {
    if (size_ == 0) {
        return 0.0;
    }
    const auto length = static_cast<std::size_t>(size_);
    void* map = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_.get(), 0);
    if (map == MAP_FAILED) {
        return 0.0;
    }
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> pages((length + page - 1) / page);
    double fraction = 0.0;
    if (::mincore(map, length, pages.data()) == 0) {
        const auto resident =
            std::count_if(pages.begin(), pages.end(), [](unsigned char p) { return (p & 1) != 0; });
        fraction = static_cast<double>(resident) / static_cast<double>(pages.size());
    }
    ::munmap(map, length);
    return fraction;
}

file_store::file_store(std::string directory, std::size_t write_chunk)
    : directory_(std::move(directory)), write_chunk_(write_chunk) {}

const bench_file* file_store::get(std::uint64_t size, std::string& error) {
    const std::lock_guard lock(mutex_);
    if (auto found = files_.find(size); found != files_.end()) {
        return found->second.get();
    }
    unique_fd fd(create_unnamed_file(directory_));
    if (!fd) {
        error = "cannot create a file in " + directory_ + ": " + std::strerror(errno);
        return nullptr;
    }
    if (const int err = write_pattern_file(fd.get(), size, write_chunk_); err != 0) {
        error = "cannot write a " + std::to_string(size) + "-byte file in " + directory_ + ": " +
                std::strerror(err);
        return nullptr;
    }
    auto file = std::make_unique<bench_file>(std::move(fd), size);
    const bench_file* result = file.get();
    files_.emplace(size, std::move(file));
    return result;
}

void file_store::close_all() noexcept {
    const std::lock_guard lock(mutex_);
    files_.clear();
}

}  // namespace sfb::bench
