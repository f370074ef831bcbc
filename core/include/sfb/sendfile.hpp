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

// Sends headers, file bytes and trailers; never throws, the outcome is in the result.
inline result send_file(const request& req) {
    const sfb_request c{req.out_fd,          req.in_fd,           req.offset,
                        req.nbytes,          req.headers.data(),  req.headers.size(),
                        req.trailers.data(), req.trailers.size(), req.flags,
                        req.already_sent};
    result out{};
    sfb_sendfile(&c, &out);
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
