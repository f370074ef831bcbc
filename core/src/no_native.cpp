// The backend for systems with no native sendfile the project knows: every call goes through
// the emulation (emulated.cpp), which the dispatcher picks because SFB_CAP_NATIVE is unset.
#include <cerrno>

#include "backend.h"

namespace sfb::detail {

const backend_info native_backend{"emulated", SFB_CAP_EMULATION};

sfb_result native_send(const checked_request& /*req*/) {
    sfb_result out{};
    out.error = ENOSYS;
    return out;
}

}  // namespace sfb::detail
