// What the native backends share, so that each backend file holds only its own system call and
// its kernel's quirks:
// - the per-call byte limit and what to do after each call (after_call(): one errno switch for
//   every backend, Linux's included);
// - for the systems whose call takes headers (FreeBSD, DragonFly, macOS, Solaris, AIX): the
//   bookkeeping of header bytes still owed, the order headers / file / trailers go out in, and
//   the finish through the emulation when the kernel refuses after some bytes went out;
// - for the systems whose call has no MSG_NOSIGNAL and no SO_NOSIGPIPE (Linux, Solaris, AIX):
//   a guard that keeps a SIGPIPE raised by the call from reaching the process.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "backend.h"

namespace sfb::detail {

// One call moves at most this many bytes, headers included: Linux's MAX_RW_COUNT, and on the
// other systems a count that fits 31 bits keeps every off_t, size_t and ssize_t conversion
// exact, 32-bit builds included.
inline constexpr std::uint64_t kMaxPerCall = 0x7ffff000;

// Where the call takes a list of header buffers (sf_hdtr iovecs on FreeBSD and macOS, sendfilev
// entries on Solaris), up to this many of them ride in the call; a request with more sends
// them with sendmsg() first.
inline constexpr std::size_t kMaxHeaderBuffersInCall = 64;

// Headers ride in the call only when they are small (an HTTP response head, say); larger ones
// go out with sendmsg() first, which costs one system call and nothing else.
inline constexpr std::uint64_t kMaxNativeHeaderBytes = 64 * 1024;

// The header bytes still owed, kept so that they go out in the same call as the file's first
// bytes (one segment for a small response). `Capacity` is how many buffers the system's call
// takes (sf_hdtr iovecs, sendfilev entries, AIX's single header_data).
template <std::size_t Capacity>
class pending_headers {
  public:
    pending_headers() = default;

    // Whether `headers` can ride in the call at all.
    static bool fit(std::span<const sfb_buffer> headers) {
        if (headers.size() > Capacity) {
            return false;
        }
        std::uint64_t total = 0;
        for (const sfb_buffer& b : headers) {
            total += b.size;
        }
        return total <= kMaxNativeHeaderBytes;
    }

    explicit pending_headers(std::span<const sfb_buffer> headers) {
        if constexpr (Capacity > 0) {
            for (const sfb_buffer& b : headers) {
                if (b.size > 0) {
                    buffers_[count_++] = b;
                    bytes_ += b.size;
                }
            }
        }
    }

    std::span<const sfb_buffer> rest() const { return {buffers_.data() + first_, count_ - first_}; }
    std::uint64_t bytes() const { return bytes_; }

    // Takes `moved` bytes that went out (headers come first) off the headers; returns how many
    // of them were header bytes.
    // With no room for headers (Linux sends them apart) every byte is a file byte; the branch
    // is compiled out so that g++ -O2 does not see an index into a zero-length array.
    std::uint64_t consume(std::uint64_t moved) {
        if constexpr (Capacity == 0) {
            static_cast<void>(moved);
            return 0;
        } else {
            const std::uint64_t taken = std::min(moved, bytes_);
            bytes_ -= taken;
            std::uint64_t left = taken;
            while (left > 0) {
                sfb_buffer& b = buffers_[first_];
                const auto part = static_cast<std::size_t>(std::min<std::uint64_t>(left, b.size));
                b.data = static_cast<const char*>(b.data) + part;
                b.size -= part;
                left -= part;
                if (b.size == 0) {
                    ++first_;
                }
            }
            return taken;
        }
    }

    // Counts `moved` bytes that one call put on the socket, headers first, in `out`.
    void account(std::uint64_t moved, sfb_result& out) {
        out.file_bytes += moved - consume(moved);
        out.bytes_sent += moved;
    }

  private:
    std::array<sfb_buffer, Capacity> buffers_{};
    std::size_t first_ = 0;
    std::size_t count_ = 0;
    std::uint64_t bytes_ = 0;
};

// Where in the file the next call starts, after the file bytes `out` already counts.
off_t file_offset(const checked_request& req, const sfb_result& out);

// The kernel refused the descriptors with `error`. Before any byte went out that is returned
// as it is and the dispatcher sends the whole request through the emulation; after some did
// (headers sent with sendmsg()), the headers still owed and the rest of the file go through
// the emulation here; the result keeps used_native 1, since the native call was tried on the
// request after part of it went out.
int finish_emulated(const checked_request& req, int error,
                    std::span<const sfb_buffer> unsent_headers, sfb_result& out);

// The errno rule every backend applies after one call of its OS's function, in one switch
// (nginx's habit), after the backend counted the `moved` bytes in `out` and mapped its kernel's
// own words for a refusal to EOPNOTSUPP: success with nothing moved is the end of the file
// (ENODATA); EINTR makes the next call; a refusal (refused_by_native() in backend.h) goes to
// finish_emulated(); anything else (EAGAIN, FreeBSD's EBUSY under SF_NODISKIO, EPIPE...)
// ends the call with its partial counts. Returns kGoOn to make the next call, else what the
// backend's file loop returns.
constexpr int kGoOn = -1;
int after_call(const checked_request& req, int error, std::uint64_t moved,
               std::span<const sfb_buffer> unsent_headers, sfb_result& out);

// What one call of the OS's function did: its errno value (0 on success), already mapped to
// EOPNOTSUPP where the kernel refused the descriptors in its own words, and the bytes it put on
// the socket, headers first.
struct call_outcome {
    int error = 0;
    std::uint64_t moved = 0;
};

// The check every backend makes after one call, before after_call(): kGoOn, or what the file
// loop returns at once (Solaris's refusal of a vector that starts at the end of the file); it
// may send the headers still owed, counting them in `out`.
struct no_early_end {
    int operator()(int /*error*/, sfb_result& /*out*/,
                   std::span<const sfb_buffer> /*unsent_headers*/) const {
        return kGoOn;
    }
};

// The file loop of every backend: while file bytes remain, one call `call(headers, want)`
// that sends the headers still owed and at most `want` file bytes (never more than
// kMaxPerCall in all), its bytes counted in `out`, headers first, then `early_end` and
// after_call() decide. Returns 0, ENODATA at an early end of the file, or an errno value.
template <std::size_t Capacity, class Call, class EarlyEnd = no_early_end>
int send_range_in_calls(const checked_request& req, std::span<const sfb_buffer> riding,
                        sfb_result& out, Call call, EarlyEnd early_end = {}) {
    pending_headers<Capacity> headers(riding);
    while (out.file_bytes < req.nbytes) {
        const std::uint64_t want =
            std::min(req.nbytes - out.file_bytes, kMaxPerCall - headers.bytes());
        const call_outcome done = call(std::as_const(headers), want);
        headers.account(done.moved, out);
        if (const int end = early_end(done.error, out, headers.rest()); end != kGoOn) {
            return end;
        }
        if (const int next = after_call(req, done.error, done.moved, headers.rest(), out);
            next != kGoOn) {
            return next;
        }
    }
    return 0;
}

// Sends a whole request in the order every backend follows: when `headers_ride` the headers
// go to `send_file_range` to ride in its calls with the file's first bytes, else they go out
// with sendmsg() first (with MSG_MORE when more follows); trailers go out with sendmsg() once
// the file part is complete, so a file that ended early is never followed by its trailer.
// `send_file_range(req, riding_headers, out)` moves the file part and the headers it was
// given, counting every byte in `out`, and returns 0, ENODATA or an errno value.
template <class FileRange>
sfb_result send_headers_file_trailers(const checked_request& req, bool headers_ride,
                                      FileRange send_file_range) {
    sfb_result out{};
    out.used_native = 1;
    if (req.nbytes > 0 && headers_ride) {
        out.error = send_file_range(req, req.headers, out);
    } else {
        const bool more = req.nbytes > 0 || !req.trailers.empty();
        out.error = send_buffers(req.out_fd, req.headers, more, out.bytes_sent);
        if (out.error == 0) {
            out.error = send_file_range(req, std::span<const sfb_buffer>{}, out);
        }
    }
    if (out.error == 0) {
        out.error = send_buffers(req.out_fd, req.trailers, false, out.bytes_sent);
    }
    return out;
}

// Keeps a SIGPIPE raised by the calls made while it lives from reaching the process: SIGPIPE
// is blocked in the calling thread, and one the calls raised is taken off the pending set with
// sigtimedwait() before the mask is restored, so the caller sees EPIPE instead. A SIGPIPE that
// was already pending before (the caller had blocked it) is left alone. nginx instead ignores
// SIGPIPE process-wide, which a library may not do.
//
// A caller that passed SFB_SIGPIPE_IGNORED promised that SIGPIPE cannot kill it (ignored or
// blocked, as servers do); then the guard does nothing and saves two system calls per call.
class sigpipe_guard {
  public:
    explicit sigpipe_guard(int request_flags);
    sigpipe_guard(const sigpipe_guard&) = delete;
    sigpipe_guard& operator=(const sigpipe_guard&) = delete;
    ~sigpipe_guard() { release(0); }

    // Ends the guard; `error` is how the guarded calls ended, and only a failure can have
    // raised SIGPIPE, so only then is a pending one consumed.
    void release(int error);

  private:
    sigset_t pipe_{};
    bool active_ = false;
    bool blocked_here_ = false;
    bool pending_before_ = false;
};

// send_headers_file_trailers() under a sigpipe_guard, for the calls that can raise SIGPIPE.
template <class FileRange>
sfb_result send_guarded(const checked_request& req, bool headers_ride, FileRange send_file_range) {
    sigpipe_guard sigpipe(req.flags);
    const sfb_result out = send_headers_file_trailers(req, headers_ride, send_file_range);
    sigpipe.release(out.error);
    return out;
}

// Whether the OS's call can raise SIGPIPE (no MSG_NOSIGNAL, no SO_NOSIGPIPE: Solaris, AIX).
enum class call_raises_sigpipe : bool { no, yes };

// native_send() of a system whose call takes up to `Capacity` header buffers along with the
// file's bytes (FreeBSD, DragonFly, macOS, Solaris, AIX): the headers ride in the calls when
// `headers_in_call` and pending_headers::fit() them, else they go out with sendmsg() first;
// send_range_in_calls() makes the calls, `call(req, out, headers, want)` being one call after
// the bytes `out` counts so far; trailers follow with sendmsg(). Under a sigpipe_guard when the
// call can raise SIGPIPE.
template <std::size_t Capacity, class Call, class EarlyEnd = no_early_end>
sfb_result send_with_headers_in_call(const checked_request& req, bool headers_in_call,
                                     call_raises_sigpipe sigpipe, Call call,
                                     EarlyEnd early_end = {}) {
    const auto send_file_range = [&](const checked_request& file_req,
                                     std::span<const sfb_buffer> riding, sfb_result& out) {
        return send_range_in_calls<Capacity>(
            file_req, riding, out,
            [&](const pending_headers<Capacity>& headers, std::uint64_t want) {
                return call(file_req, std::as_const(out), headers, want);
            },
            early_end);
    };
    const bool ride = headers_in_call && pending_headers<Capacity>::fit(req.headers);
    if (sigpipe == call_raises_sigpipe::yes) {
        return send_guarded(req, ride, send_file_range);
    }
    return send_headers_file_trailers(req, ride, send_file_range);
}

}  // namespace sfb::detail
