// The suite's one rule for system calls interrupted by a signal (EINTR): make the call again.
// Every blocking call of the core library, bench_sendfile, sfb-sink, sfb and the tests goes
// through these instead of a loop of its own, so the rule is written once (as fmt's FMT_RETRY
// does). close(2) is the exception: see <sfb/unique_fd.h>. A loop that also waits out EAGAIN
// or keeps a deadline does that itself and retries only the EINTR part through these.
#pragma once

#include <cerrno>

namespace sfb {

// Calls `call()` again while it fails with errno EINTR (the libc convention: -1 and errno).
// Returns the last result; errno is the last call's.
template <typename Call>
auto retry_on_eintr(Call&& call) {
    for (;;) {
        const auto result = call();
        if (!(result < 0 && errno == EINTR)) {
            return result;
        }
    }
}

// The same for calls that return -errno instead of setting errno (liburing).
template <typename Call>
int retry_on_negative_eintr(Call&& call) {
    for (;;) {
        const int result = call();
        if (result != -EINTR) {
            return result;
        }
    }
}

}  // namespace sfb
