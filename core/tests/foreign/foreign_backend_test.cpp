// The FreeBSD, DragonFly, macOS, Solaris and AIX backends, run on Linux against simulations of
// their systems' calls (sim.h). The same cases run once per system: each test program links
// the real dispatcher and emulation, one backend and that system's simulated call, and the
// expectations that differ between systems come from sim::traits.
//
// Every case sends real bytes over a real socket and checks them at the receiver; every case
// also checks, after the fact, that the backend used the call the way its contract says
// (ExpectCallsKeepTheContract).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sfb/sendfile.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sim.h"
#include "support.h"

namespace {

using namespace sfb::foreign;
namespace sim = sfb::sim;

constexpr std::uint64_t kMaxPerCall = 0x7ffff000;
constexpr std::uint64_t kMaxHeaderBytesInCall = 64 * 1024;

// The file every transfer case sends from: a little over 3 MiB, so that no call size divides it.
const std::string& file_content() {
    static const std::string content = random_bytes(3 * 1024 * 1024 + 17, 7);
    return content;
}

const std::vector<std::string> kHeaders = {std::string(512, 'H'), std::string(256, 'h')};
const std::vector<std::string> kTrailers = {"12345", std::string(300, 'T')};

std::vector<std::string> many_headers(std::size_t count) {
    std::vector<std::string> headers;
    for (std::size_t i = 0; i < count; ++i) {
        headers.push_back("header " + std::to_string(i) + "\r\n");
    }
    return headers;
}

// Small socket buffers on both ends, so that little of a transfer can sit in them: a peer that
// goes away is noticed long before the end of the file.
void small_buffers(const socket_pair& pair) {
    const int size = 16 * 1024;
    ASSERT_EQ(::setsockopt(pair.sender.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0);
    ASSERT_EQ(::setsockopt(pair.receiver.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);
}

// One sfb_sendfile() call over `pair`, with everything the receiver got.
struct outcome {
    sfb_result result{};
    std::string received;
};

outcome send_once(socket_pair pair, int file_fd, std::int64_t offset, std::uint64_t nbytes,
                  const std::vector<std::string>& headers, const std::vector<std::string>& trailers,
                  int flags = 0, receiver::options rx_options = {}) {
    receiver rx(std::move(pair.receiver), rx_options);
    const std::vector<sfb_buffer> h = buffers(headers);
    const std::vector<sfb_buffer> t = buffers(trailers);
    const sfb_request req = make_request(pair.sender.get(), file_fd, offset, nbytes, h, t, flags);
    outcome out;
    (void)sfb_sendfile(&req, &out.result);
    ::shutdown(pair.sender.get(), SHUT_WR);
    out.received = rx.finish();
    return out;
}

class ForeignBackend : public ::testing::Test {
  protected:
    void SetUp() override { sim::configure(sim::config{}); }
    void TearDown() override { ExpectCallsKeepTheContract(); }

    // What every backend promises about its calls: never the "to the end of the file" form
    // (several systems read 0 that way), never trailers (they go out with sendmsg() once the
    // file part is complete), headers only as many and as large as the call takes, at most
    // kMaxPerCall bytes, the flags the request maps to, and offsets that carry on exactly
    // where the previous call's file bytes ended.
    void ExpectCallsKeepTheContract() const {
        const std::vector<sim::call_record>& calls = sim::calls();
        for (std::size_t i = 0; i < calls.size(); ++i) {
            const sim::call_record& c = calls[i];
            SCOPED_TRACE("call " + std::to_string(i));
            EXPECT_FALSE(c.to_eof);
            EXPECT_GT(c.count, 0u);
            EXPECT_EQ(c.trailer_buffers, 0u);
            EXPECT_LE(c.header_buffers, sim::traits.max_headers_in_call);
            EXPECT_LE(c.header_bytes, kMaxHeaderBytesInCall);
            EXPECT_LE(c.header_bytes + c.count, kMaxPerCall);
            EXPECT_EQ(c.flags, sim::traits.call_flags(request_flags_));
            if (i > 0 && calls[i - 1].moved > 0) {
                const sim::call_record& prev = calls[i - 1];
                EXPECT_EQ(c.offset,
                          prev.offset + static_cast<std::int64_t>(prev.moved - prev.header_moved));
            }
        }
    }

    int request_flags_ = 0;
};

// How the simulated calls misbehave in the parameterized cases.
struct misbehaviour {
    const char* name;
    sim::config settings;
    bool interrupts;  // some calls must have been interrupted
};

// Names the parameter in failure messages instead of dumping its bytes.
void PrintTo(const misbehaviour& m, std::ostream* os) {
    *os << m.name;
}

const misbehaviour kMisbehaviours[] = {
    {"whole_calls", {}, false},
    {"random_calls_up_to_700_bytes", {.seed = 7, .max_bytes_per_call = 700}, true},
    {"random_calls_up_to_64k", {.seed = 11, .max_bytes_per_call = 64 * 1024}, true},
    {"eintr_every_call", {.seed = 3, .max_bytes_per_call = 4096, .eintr_every = 1}, true},
    {"eintr_every_3rd_call", {.seed = 5, .max_bytes_per_call = 100000, .eintr_every = 3}, true},
};

class ForeignTransfer : public ForeignBackend, public ::testing::WithParamInterface<misbehaviour> {
  protected:
    void SetUp() override { sim::configure(GetParam().settings); }

    void ExpectInterruptionsHappened() const {
        const std::vector<sim::call_record>& calls = sim::calls();
        const auto interrupted = std::count_if(
            calls.begin(), calls.end(), [](const sim::call_record& c) { return c.interrupted; });
        if (GetParam().interrupts) {
            EXPECT_GT(interrupted, 0);
        } else {
            EXPECT_EQ(interrupted, 0);
        }
    }
};

// pysendfile's and CPython's header and trailer cases in one: two header buffers, a file range
// from an offset, two trailer buffers. Every byte arrives once, in order, and is counted once,
// however the calls were cut short.
TEST_P(ForeignTransfer, HeadersFileAndTrailersArriveExactly) {
    const unique_fd file = temp_file(file_content());
    const std::uint64_t nbytes = 2000000;
    const outcome out = send_once(tcp_pair(), file.get(), 1000, nbytes, kHeaders, kTrailers);
    const std::string want =
        concat(kHeaders) + file_content().substr(1000, nbytes) + concat(kTrailers);

    EXPECT_EQ(out.result.error, 0);
    EXPECT_EQ(out.result.used_native, 1);
    EXPECT_EQ(out.result.bytes_sent, want.size());
    EXPECT_EQ(out.result.file_bytes, nbytes);
    EXPECT_TRUE(out.received == want)
        << "received " << out.received.size() << " bytes, wanted " << want.size();

    const std::vector<sim::call_record>& calls = sim::calls();
    ASSERT_FALSE(calls.empty());
    const bool headers_ride = sim::traits.max_headers_in_call >= kHeaders.size();
    const std::uint64_t header_bytes = concat(kHeaders).size();
    EXPECT_EQ(calls.front().header_bytes, headers_ride ? header_bytes : 0);
    std::uint64_t moved = 0;
    for (const sim::call_record& c : calls) {
        moved += c.moved;
    }
    // The calls moved the file range and the headers that rode in them, nothing twice.
    EXPECT_EQ(moved, nbytes + (headers_ride ? header_bytes : 0));
    ExpectInterruptionsHappened();
    if (headers_ride && GetParam().settings.max_bytes_per_call < header_bytes) {
        // Small budgets also cut calls inside the headers.
        EXPECT_TRUE(std::any_of(calls.begin(), calls.end(), [](const sim::call_record& c) {
            return c.header_moved > 0 && c.header_moved < c.header_bytes;
        }));
    }
}

// More header buffers than any call takes, and one header larger than kMaxHeaderBytesInCall:
// they go out with sendmsg() first and the calls carry none.
TEST_P(ForeignTransfer, ManyOrLargeHeadersGoOutFirst) {
    const unique_fd file = temp_file(file_content());
    for (const std::vector<std::string>& headers :
         {many_headers(100), std::vector<std::string>{std::string(70000, 'L')}}) {
        SCOPED_TRACE(std::to_string(headers.size()) + " header buffers");
        sim::configure(GetParam().settings);
        const outcome out = send_once(tcp_pair(), file.get(), 0, 70000, headers, kTrailers);
        const std::string want =
            concat(headers) + file_content().substr(0, 70000) + concat(kTrailers);
        EXPECT_EQ(out.result.error, 0);
        EXPECT_EQ(out.result.used_native, 1);
        EXPECT_EQ(out.result.bytes_sent, want.size());
        EXPECT_EQ(out.result.file_bytes, 70000u);
        EXPECT_TRUE(out.received == want);
        for (const sim::call_record& c : sim::calls()) {
            EXPECT_EQ(c.header_buffers, 0u);
        }
        ExpectCallsKeepTheContract();
    }
}

// nbytes 0 is "to the end of the file" at the ABI; the backend resolves it and never hands the
// kernel a 0 (checked for every call by ExpectCallsKeepTheContract).
TEST_P(ForeignTransfer, ZeroBytesMeansToTheEndOfTheFile) {
    const unique_fd file = temp_file(file_content());
    const outcome out = send_once(tcp_pair(), file.get(), 5, 0, {kHeaders[0]}, {kTrailers[0]});
    const std::string want = kHeaders[0] + file_content().substr(5) + kTrailers[0];
    EXPECT_EQ(out.result.error, 0);
    EXPECT_EQ(out.result.file_bytes, file_content().size() - 5);
    EXPECT_EQ(out.result.bytes_sent, want.size());
    EXPECT_TRUE(out.received == want);
    ExpectInterruptionsHappened();
}

// A file shorter than nbytes: what exists goes out, then ENODATA, and the trailers stay back so
// that a framing protocol never sees a trailer after missing data.
TEST_P(ForeignTransfer, FileShorterThanAskedStopsBeforeTrailers) {
    const unique_fd file = temp_file(file_content());
    const std::uint64_t size = file_content().size();
    const outcome out = send_once(tcp_pair(), file.get(), 100, size, kHeaders, kTrailers);
    const std::string want = concat(kHeaders) + file_content().substr(100);
    EXPECT_EQ(out.result.error, ENODATA);
    EXPECT_EQ(out.result.file_bytes, size - 100);
    EXPECT_EQ(out.result.bytes_sent, want.size());
    EXPECT_TRUE(out.received == want);
}

INSTANTIATE_TEST_SUITE_P(Misbehaving, ForeignTransfer, ::testing::ValuesIn(kMisbehaviours),
                         [](const ::testing::TestParamInfo<misbehaviour>& param_info) {
                             return std::string(param_info.param.name);
                         });

TEST_F(ForeignBackend, NameAndCapabilities) {
    EXPECT_STREQ(sfb_backend_name(), sim::traits.backend);
    EXPECT_EQ(sfb_capabilities(), sim::traits.capabilities);
}

// pysendfile's test 8: past the end there is nothing to send, and nothing arrives.
TEST_F(ForeignBackend, OffsetPastTheEndSendsNothing) {
    const unique_fd file = temp_file(file_content());
    const auto past = static_cast<std::int64_t>(file_content().size()) + 10;
    const outcome out = send_once(tcp_pair(), file.get(), past, 7, kHeaders, kTrailers);
    EXPECT_EQ(out.result.error, ENODATA);
    EXPECT_EQ(out.result.bytes_sent, 0u);
    EXPECT_TRUE(out.received.empty());
    EXPECT_TRUE(sim::calls().empty());
}

// At the very end, with bytes asked for: the calls find no file data (Solaris's EINVAL of
// bpo-41687 included), the headers still go out, then ENODATA.
TEST_F(ForeignBackend, OffsetAtTheEndSendsHeadersThenEnodata) {
    const unique_fd file = temp_file(file_content());
    const auto end = static_cast<std::int64_t>(file_content().size());
    const outcome out = send_once(tcp_pair(), file.get(), end, 7, kHeaders, kTrailers);
    EXPECT_EQ(out.result.error, ENODATA);
    EXPECT_EQ(out.result.file_bytes, 0u);
    EXPECT_EQ(out.result.bytes_sent, concat(kHeaders).size());
    EXPECT_EQ(out.received, concat(kHeaders));
    EXPECT_FALSE(sim::calls().empty());
}

// pysendfile's test 12: an empty file with headers and trailers sends those alone, without
// asking the kernel for 0 file bytes.
TEST_F(ForeignBackend, EmptyFileSendsHeadersAndTrailers) {
    const unique_fd file = temp_file("");
    const outcome out = send_once(tcp_pair(), file.get(), 0, 0, kHeaders, kTrailers);
    EXPECT_EQ(out.result.error, 0);
    EXPECT_EQ(out.result.bytes_sent, concat(kHeaders).size() + concat(kTrailers).size());
    EXPECT_EQ(out.received, concat(kHeaders) + concat(kTrailers));
    EXPECT_TRUE(sim::calls().empty());
}

// A non-blocking socket that fills up every ~100 KB: each call reports EAGAIN with what went
// out, and calling again with the rest completes the transfer with every byte exactly once.
TEST_F(ForeignBackend, EagainResumesUntilComplete) {
    sim::configure({.seed = 13, .max_bytes_per_call = 50000, .stall_every_bytes = 100003});
    const unique_fd file = temp_file(file_content());
    socket_pair pair = tcp_pair();
    ASSERT_EQ(::fcntl(pair.sender.get(), F_SETFL, O_NONBLOCK), 0);
    receiver rx(std::move(pair.receiver));
    const std::uint64_t nbytes = 2000000;
    const resumed_send sent =
        send_resuming(pair.sender.get(), file.get(), 1000, nbytes, kHeaders, kTrailers);
    ::shutdown(pair.sender.get(), SHUT_WR);
    const std::string received = rx.finish();
    const std::string want =
        concat(kHeaders) + file_content().substr(1000, nbytes) + concat(kTrailers);

    EXPECT_EQ(sent.error, 0);
    EXPECT_TRUE(sent.always_native);
    EXPECT_EQ(sent.file_bytes, nbytes);
    EXPECT_EQ(sent.bytes_sent, want.size());
    EXPECT_TRUE(received == want);
    EXPECT_GE(sent.resumed_after.size(), nbytes / 100003);
    for (const int e : sent.resumed_after) {
        EXPECT_EQ(e, EAGAIN);
    }
    const std::vector<sim::call_record>& calls = sim::calls();
    EXPECT_TRUE(std::any_of(calls.begin(), calls.end(),
                            [](const sim::call_record& c) { return c.stalled && c.moved > 0; }));
}

// The same with a real full socket: a small send buffer and a receiver that starts late, so
// Linux itself answers the simulated call's send() with EAGAIN.
TEST_F(ForeignBackend, RealFullSocketResumesUntilComplete) {
    const unique_fd file = temp_file(file_content());
    socket_pair pair = tcp_pair();
    small_buffers(pair);
    ASSERT_EQ(::fcntl(pair.sender.get(), F_SETFL, O_NONBLOCK), 0);
    receiver rx(std::move(pair.receiver), {.slow_start = std::chrono::milliseconds(100)});
    const resumed_send sent =
        send_resuming(pair.sender.get(), file.get(), 0, file_content().size(), kHeaders, kTrailers);
    ::shutdown(pair.sender.get(), SHUT_WR);
    const std::string received = rx.finish();
    const std::string want = concat(kHeaders) + file_content() + concat(kTrailers);
    EXPECT_EQ(sent.error, 0);
    EXPECT_EQ(sent.bytes_sent, want.size());
    EXPECT_TRUE(received == want);
    EXPECT_FALSE(sent.resumed_after.empty());
}

// Sends the whole file, after `headers`, over a TCP connection with small buffers whose receiver
// goes away after 64 KiB.
outcome send_to_departing_peer(int file_fd, const std::vector<std::string>& headers) {
    socket_pair pair = tcp_pair();
    small_buffers(pair);
    return send_once(std::move(pair), file_fd, 0, file_content().size(), headers, {}, 0,
                     {.close_after = 64 * 1024});
}

// A peer that goes away mid-transfer gives EPIPE or ECONNRESET with the bytes that went out
// counted, and the process lives: SIGPIPE keeps its default action (death) here, and the
// Solaris and AIX simulations raise it as those kernels do.
TEST_F(ForeignBackend, PeerGoneGivesEpipeAndTheProcessLives) {
    const sigpipe_setup sigpipe_kills(sigpipe_setup::mode::kills);
    const unique_fd file = temp_file(file_content());
    const outcome out = send_to_departing_peer(file.get(), kHeaders);
    EXPECT_TRUE(out.result.error == EPIPE || out.result.error == ECONNRESET) << out.result.error;
    EXPECT_LT(out.result.file_bytes, file_content().size());
    EXPECT_GE(out.result.bytes_sent, out.received.size());
    EXPECT_FALSE(sfb::test::sigpipe_pending());
    const std::vector<sim::call_record>& calls = sim::calls();
    EXPECT_TRUE(std::any_of(calls.begin(), calls.end(), [](const sim::call_record& c) {
        return c.error == EPIPE || c.error == ECONNRESET;
    }));
}

// A caller that blocks SIGPIPE itself keeps it blocked, and finds no SIGPIPE of ours pending.
TEST_F(ForeignBackend, PeerGoneWithSigpipeBlockedLeavesNothingPending) {
    const sigpipe_setup blocked(sigpipe_setup::mode::blocked);
    const unique_fd file = temp_file(file_content());
    const outcome out = send_to_departing_peer(file.get(), {});
    EXPECT_TRUE(out.result.error == EPIPE || out.result.error == ECONNRESET) << out.result.error;
    EXPECT_TRUE(sfb::test::sigpipe_blocked());
    EXPECT_FALSE(sfb::test::sigpipe_pending());
}

// FreeBSD maps each SFB_* flag to its SF_* flag (ExpectCallsKeepTheContract checks every call's
// flags against the simulation's own mapping); every other system refuses them with ENOTSUP
// before anything is sent.
TEST_F(ForeignBackend, OsFlagsMapOrAreRefused) {
    const unique_fd file = temp_file(file_content());
    const bool honoured = (sim::traits.capabilities & SFB_CAP_FLAGS) != 0;
    const int all = SFB_NODISKIO | SFB_MNOWAIT | SFB_SYNC | SFB_NOCACHE;
    for (const int flags : {+SFB_NODISKIO, +SFB_MNOWAIT, +SFB_SYNC, +SFB_NOCACHE, all}) {
        SCOPED_TRACE("flags " + std::to_string(flags));
        sim::configure(sim::config{});
        request_flags_ = flags;
        const outcome out = send_once(tcp_pair(), file.get(), 0, 100000, kHeaders, {}, flags);
        if (honoured) {
            EXPECT_EQ(out.result.error, 0);
            EXPECT_EQ(out.result.used_native, 1);
            EXPECT_TRUE(out.received == concat(kHeaders) + file_content().substr(0, 100000));
            EXPECT_FALSE(sim::calls().empty());
        } else {
            EXPECT_EQ(out.result.error, ENOTSUP);
            EXPECT_EQ(out.result.bytes_sent, 0u);
            EXPECT_TRUE(out.received.empty());
            EXPECT_TRUE(sim::calls().empty());
        }
        ExpectCallsKeepTheContract();
    }
}

// FreeBSD's SF_NODISKIO meeting busy pages: EBUSY with the partial count, and calling again
// completes the transfer. Systems without the flag refuse it before anything moves.
TEST_F(ForeignBackend, BusyPagesUnderNoDiskIoResume) {
    if ((sim::traits.capabilities & SFB_CAP_FLAGS) == 0) {
        const unique_fd file = temp_file(file_content());
        const outcome out = send_once(tcp_pair(), file.get(), 0, 0, kHeaders, {}, SFB_NODISKIO);
        EXPECT_EQ(out.result.error, ENOTSUP);
        EXPECT_TRUE(out.received.empty());
        EXPECT_TRUE(sim::calls().empty());
        return;
    }
    sim::configure({.seed = 17, .stall_every_bytes = 300007, .stall_is_busy_page = true});
    request_flags_ = SFB_NODISKIO;
    const unique_fd file = temp_file(file_content());
    socket_pair pair = tcp_pair();
    receiver rx(std::move(pair.receiver));
    const resumed_send sent = send_resuming(pair.sender.get(), file.get(), 0, file_content().size(),
                                            kHeaders, {}, SFB_NODISKIO);
    ::shutdown(pair.sender.get(), SHUT_WR);
    const std::string received = rx.finish();
    EXPECT_EQ(sent.error, 0);
    EXPECT_TRUE(received == concat(kHeaders) + file_content());
    EXPECT_FALSE(sent.resumed_after.empty());
    for (const int e : sent.resumed_after) {
        EXPECT_EQ(e, EBUSY);
    }
}

// The headers that ride in the call where the call takes any (one buffer: AIX's sf_parms has
// room for one); none where they must go out before it (DragonFly).
std::vector<std::string> headers_that_ride() {
    if (sim::traits.max_headers_in_call == 0) {
        return {};
    }
    return {kHeaders[0]};
}

// The kernel refuses the descriptors before any byte went out: the dispatcher sends the whole
// request through the emulation.
TEST_F(ForeignBackend, RefusalBeforeAnyByteFallsBackToTheEmulation) {
    sim::configure({.refuse_with = sim::traits.refusal_errno});
    const unique_fd file = temp_file(file_content());
    const std::vector<std::string> headers = headers_that_ride();
    const outcome out = send_once(tcp_pair(), file.get(), 10, 100000, headers, kTrailers);
    EXPECT_EQ(out.result.error, 0);
    EXPECT_EQ(out.result.used_native, 0);
    EXPECT_TRUE(out.received ==
                concat(headers) + file_content().substr(10, 100000) + concat(kTrailers));
    ASSERT_EQ(sim::calls().size(), 1u);
    EXPECT_EQ(sim::calls().front().moved, 0u);
}

// The refusal comes after headers went out with sendmsg(): the backend finishes the request
// through the emulation itself, every byte once.
TEST_F(ForeignBackend, RefusalAfterHeadersFinishesThroughTheEmulation) {
    sim::configure({.refuse_with = sim::traits.refusal_errno});
    const unique_fd file = temp_file(file_content());
    const std::vector<std::string> headers = many_headers(100);
    const outcome out = send_once(tcp_pair(), file.get(), 10, 100000, headers, kTrailers);
    EXPECT_EQ(out.result.error, 0);
    EXPECT_EQ(out.result.used_native, 1);
    EXPECT_EQ(out.result.file_bytes, 100000u);
    EXPECT_TRUE(out.received ==
                concat(headers) + file_content().substr(10, 100000) + concat(kTrailers));
}

// Solaris's and AIX's calls serve only TCP: a Unix socket goes through the emulation there,
// through the native call elsewhere, and arrives whole either way.
TEST_F(ForeignBackend, UnixSocket) {
    const unique_fd file = temp_file(file_content());
    const std::vector<std::string> headers = headers_that_ride();
    const outcome out =
        send_once(sfb::test::unix_pair(SOCK_STREAM), file.get(), 0, 0, headers, kTrailers);
    EXPECT_EQ(out.result.error, 0);
    EXPECT_EQ(out.result.used_native, sim::traits.serves_unix_sockets ? 1 : 0);
    EXPECT_TRUE(out.received == concat(headers) + file_content() + concat(kTrailers));
}

// None of these calls uses or moves the file position: SFB_USE_FILE_POSITION goes through the
// emulation, which advances it.
TEST_F(ForeignBackend, FilePositionGoesThroughTheEmulation) {
    const unique_fd file = temp_file(file_content());
    ASSERT_EQ(::lseek(file.get(), 10, SEEK_SET), 10);
    const outcome out = send_once(tcp_pair(), file.get(), 0, 1000, {}, {}, SFB_USE_FILE_POSITION);
    EXPECT_EQ(out.result.error, 0);
    EXPECT_EQ(out.result.used_native, 0);
    EXPECT_EQ(out.received, file_content().substr(10, 1000));
    EXPECT_EQ(::lseek(file.get(), 0, SEEK_CUR), 1010);
    EXPECT_TRUE(sim::calls().empty());
}

}  // namespace
