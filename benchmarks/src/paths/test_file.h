// The files the benchmarks send: one per size, created on first use in a chosen directory
// (a real disk by default, so a cold page cache means disk reads), filled with the pattern of
// pattern.h and synced so the page cache can drop them.
//
// A file never has a name that could outlive the process: it is created unnamed with O_TMPFILE
// (or, where the file system lacks it, created under a unique name and unlinked at once), and
// only its descriptor is kept. SIGKILL, a crash or any signal frees it with the process, and no
// two runs can collide on a name, also not inside a PID namespace where every run is PID 1.
#pragma once

#include <sfb/unique_fd.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace sfb::bench {

class bench_file {
  public:
    bench_file(unique_fd fd, std::uint64_t size);
    int fd() const noexcept { return fd_.get(); }
    std::uint64_t size() const noexcept { return size_; }
    // A path that opens the same file again (/proc/self/fd/N), for paths that need a file
    // position of their own.
    const std::string& reopen_path() const noexcept { return reopen_path_; }
    // Evicts the file from the page cache (posix_fadvise DONTNEED). Pages still mapped by a
    // process stay; the mmap paths unmap first. Returns 0 or an errno value.
    int drop_cache() const noexcept;
    // The fraction (0..1) of the file's pages in the page cache now (mincore).
    double resident_fraction() const noexcept;

  private:
    unique_fd fd_;
    std::uint64_t size_;
    std::string reopen_path_;
};

class file_store {
  public:
    // Files go to `directory`, written with pwrite() calls of `write_chunk` bytes. The write
    // size shapes the page cache: on kernels with large folios (ext4 since 6.x), big writes
    // leave big folios, which make read()+send() much cheaper per byte than 4 KiB pages do,
    // while sendfile() gains less from them.
    explicit file_store(std::string directory, std::size_t write_chunk = 1 << 20);
    file_store(const file_store&) = delete;
    file_store& operator=(const file_store&) = delete;

    // The file of `size` bytes, created on first use. Thread-safe: Google Benchmark's threads
    // (--sfb_connections) ask for it at once. Returns nullptr with `error` set on failure.
    const bench_file* get(std::uint64_t size, std::string& error);
    // Closes every file created so far, which frees its blocks.
    void close_all() noexcept;
    const std::string& directory() const noexcept { return directory_; }

  private:
    std::string directory_;
    std::size_t write_chunk_;
    std::mutex mutex_;
    std::map<std::uint64_t, std::unique_ptr<bench_file>> files_;
};

}  // namespace sfb::bench
