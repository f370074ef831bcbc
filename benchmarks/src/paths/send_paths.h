// The ways of sending a file over a socket that the suite compares: one send_path class per
// way, all sending the same file in blocks of the same size to the same kind of receiver.
//
// Every path is written for a blocking socket and loops over short writes itself, so that one
// pass always hands the whole file to the kernel or reports why it could not. A path never
// decides whether the pass succeeded: the receiver's count does (send_session).
#pragma once

#include <sfb/format_contract.h>
#include <sfb/unique_fd.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "loopback.h"
#include "test_file.h"

namespace sfb::bench {

// The paths are the contract's (format/contract.json): their names, their order and which are
// zero-copy come from the generated header. This file and send_paths.cpp map each to its
// implementation; a path added to the contract does not compile until make_send_path has it.
using path_id = sfb::format::path_id;
inline constexpr auto all_paths = [] {
    std::array<path_id, sfb::format::paths.size()> ids{};
    for (std::size_t i = 0; i < ids.size(); ++i) {
        ids[i] = static_cast<path_id>(i);
    }
    return ids;
}();

std::string_view path_name(path_id p) noexcept;
std::optional<path_id> parse_path(std::string_view name) noexcept;
// Whether the path reports the zerocopy_copied counter.
bool is_zero_copy(path_id p) noexcept;

// What one pass did.
struct pass_outcome {
    std::uint64_t file_bytes = 0;  // file bytes the path handed to the socket
    int error = 0;                 // 0, or the errno value of the call that failed
    std::string failed_call;       // which call failed, for the message
    // Zero-copy paths: completions the kernel reported in this pass, and how many of them it
    // flagged as copied after all (SO_EE_CODE_ZEROCOPY_COPIED, IORING_NOTIF_USAGE_ZC_COPIED).
    std::uint64_t zerocopy_completions = 0;
    std::uint64_t zerocopy_copied = 0;
};

class send_path {
  public:
    virtual ~send_path() = default;
    // Sends the whole file once, in blocks of the configured size.
    virtual pass_outcome send_pass() = 0;
    // Evicts the file from the page cache before a cold pass (outside the timed region).
    // Paths that keep the file mapped unmap it first: mapped pages cannot be evicted.
    virtual int drop_cache() { return file_.drop_cache(); }

  protected:
    send_path(int socket, const bench_file& file, std::uint64_t block)
        : socket_(socket), file_(file), block_(block) {}
    int socket_;
    const bench_file& file_;
    std::uint64_t block_;
};

struct path_availability {
    bool available = true;
    std::string reason;  // why not, when not
};

// Whether this build and kernel can run `p` over `t`, tried for real where that is the only
// way to know (io_uring may be compiled in and still refused by the kernel or by
// /proc/sys/kernel/io_uring_disabled).
path_availability probe_path(path_id p, transport t);

// Builds the path for one connection. Returns nullptr with `error` set on failure.
std::unique_ptr<send_path> make_send_path(path_id p, int socket, const bench_file& file,
                                          std::uint64_t block, std::string& error);

// The io_uring paths (io_uring_paths.cpp, or io_uring_missing.cpp without liburing).
path_availability probe_io_uring_path(path_id p, transport t);
std::unique_ptr<send_path> make_io_uring_path(path_id p, int socket, const bench_file& file,
                                              std::uint64_t block, std::string& error);

// Opens the pipe of the splice paths, sized for `block` bytes of a `file_size` file: at least
// 64 KiB, at most /proc/sys/fs/pipe-max-size. Returns 0 or pipe2()'s errno; `size` is the size
// the kernel granted.
int open_splice_pipe(std::uint64_t block, std::uint64_t file_size, unique_fd& read_end,
                     unique_fd& write_end, std::size_t& size);

// A read-only shared mapping of the whole file, remapped around a cold-cache drop.
class file_mapping {
  public:
    explicit file_mapping(const bench_file& file);
    ~file_mapping();
    file_mapping(const file_mapping&) = delete;
    file_mapping& operator=(const file_mapping&) = delete;
    const unsigned char* data() const noexcept { return data_; }
    bool ok() const noexcept { return data_ != nullptr; }
    // Unmaps, drops the file's pages, maps again. Returns 0 or an errno value.
    int drop_cache();

  private:
    int map();
    const bench_file& file_;
    const unsigned char* data_ = nullptr;
};

}  // namespace sfb::bench
