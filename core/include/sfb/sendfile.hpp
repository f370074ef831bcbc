// C++ interface of the sendfile-bench core: the C ABI of <sfb/sendfile.h> with spans.
#pragma once

#include <sfb/sendfile.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace sfb {

using buffer = sfb_buffer;
using result = sfb_result;

// What to send; see struct sfb_request in <sfb/sendfile.h> for every field's meaning.
struct request {
    int out_fd = -1;
    int in_fd = -1;
    std::int64_t offset = 0;
    std::uint64_t nbytes = 0;
    std::span<const buffer> headers{};
    std::span<const buffer> trailers{};
    int flags = 0;
    std::uint64_t already_sent = 0;
};

namespace detail {
inline sfb_request to_c(const request& req) {
    return sfb_request{req.out_fd,          req.in_fd,           req.offset,
                       req.nbytes,          req.headers.data(),  req.headers.size(),
                       req.trailers.data(), req.trailers.size(), req.flags,
                       req.already_sent};
}
}  // namespace detail

// Sends headers, file bytes and trailers; never throws, the outcome is in the result.
inline result send_file(const request& req) {
    const sfb_request c = detail::to_c(req);
    result out{};
    sfb_sendfile(&c, &out);
    return out;
}

// A descriptor pair checked once (sfb_prepare() in <sfb/sendfile.h>).
using prepared = sfb_prepared;

// Checks `out_fd` and `in_fd` once; returns 0 or the errno value sfb_sendfile() would give.
inline int prepare(int out_fd, int in_fd, prepared& pair) {
    return sfb_prepare(out_fd, in_fd, &pair);
}

// send_file() for a prepared pair: no descriptor checks, one native call per block for a
// request without headers or trailers. `req.out_fd` and `req.in_fd` must be the pair's.
inline result send_file(const prepared& pair, const request& req) {
    const sfb_request c = detail::to_c(req);
    result out{};
    sfb_sendfile_prepared(&pair, &c, &out);
    return out;
}

inline buffer as_buffer(std::string_view bytes) {
    return buffer{bytes.data(), bytes.size()};
}

inline std::string_view backend_name() {
    return sfb_backend_name();
}
inline bool has_capability(int cap) {
    return (sfb_capabilities() & cap) != 0;
}

}  // namespace sfb
