#include "test_file.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "pattern.h"

namespace sfb::bench {

namespace {

// The paths a signal handler must unlink. A handler may only call async-signal-safe functions
// (signal-safety(7)), so the paths live in fixed arrays, published by an atomic flag after the
// text is complete; no allocation or lock is involved on the handler's side.
constexpr std::size_t kMaxCleanupPaths = 256;
struct cleanup_slot {
    std::atomic<bool> used{false};
    std::array<char, PATH_MAX> path{};
};
std::array<cleanup_slot, kMaxCleanupPaths> cleanup_slots;
std::mutex cleanup_mutex;  // writers only

cleanup_slot* register_cleanup(const std::string& path) {
    if (path.size() >= PATH_MAX) {
        return nullptr;
    }
    const std::lock_guard lock(cleanup_mutex);
    for (auto& slot : cleanup_slots) {
        if (!slot.used.load(std::memory_order_relaxed)) {
            std::memcpy(slot.path.data(), path.c_str(), path.size() + 1);
            slot.used.store(true, std::memory_order_release);
            return &slot;
        }
    }
    return nullptr;
}

void unregister_cleanup(const std::string& path) {
    const std::lock_guard lock(cleanup_mutex);
    for (auto& slot : cleanup_slots) {
        if (slot.used.load(std::memory_order_relaxed) && path == slot.path.data()) {
            slot.used.store(false, std::memory_order_release);
        }
    }
}

extern "C" void remove_files_and_reraise(int signo) {
    for (auto& slot : cleanup_slots) {
        if (slot.used.load(std::memory_order_acquire)) {
            ::unlink(slot.path.data());
        }
    }
    ::signal(signo, SIG_DFL);
    ::raise(signo);
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
            const ssize_t n =
                ::pwrite(fd, chunk.data() + put, want - put, static_cast<off_t>(done + put));
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
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

file_store::~file_store() {
    remove_all();
}

const bench_file* file_store::get(std::uint64_t size, std::string& error) {
    const std::lock_guard lock(mutex_);
    if (auto found = files_.find(size); found != files_.end()) {
        return found->second.get();
    }
    const std::string path = directory_ + "/sfb-bench-" + std::to_string(::getpid()) + "-" +
                             std::to_string(size) + ".bin";
    // Registered before it exists, so a signal between open() and here cannot leave it behind.
    if (register_cleanup(path) == nullptr) {
        error = "too many benchmark files for the cleanup table: " + path;
        return nullptr;
    }
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        unregister_cleanup(path);
        return nullptr;
    }
    if (const int err = write_pattern_file(fd.get(), size, write_chunk_); err != 0) {
        error = "cannot write " + path + ": " + std::strerror(err);
        ::unlink(path.c_str());
        unregister_cleanup(path);
        return nullptr;
    }
    auto file = std::make_unique<bench_file>(path, std::move(fd), size);
    const bench_file* result = file.get();
    files_.emplace(size, std::move(file));
    return result;
}

void file_store::remove_all() noexcept {
    const std::lock_guard lock(mutex_);
    for (const auto& [size, file] : files_) {
        ::unlink(file->path().c_str());
        unregister_cleanup(file->path());
    }
    files_.clear();
}

void file_store::install_signal_cleanup() {
    struct sigaction action {};
    action.sa_handler = remove_files_and_reraise;
    sigemptyset(&action.sa_mask);
    // The handler restores the default action itself before re-raising.
    action.sa_flags = 0;
    for (const int signo : {SIGINT, SIGTERM, SIGHUP}) {
        ::sigaction(signo, &action, nullptr);
    }
}

}  // namespace sfb::bench
