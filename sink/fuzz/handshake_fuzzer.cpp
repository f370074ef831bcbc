// libFuzzer target for the sink's side of the protocol: every line a peer can send as its
// first (the handshake), and the --listen/--sfb_remote address text. Whatever the bytes, a line
// is either a handshake whose numbers are in the protocol's ranges, or refused with a reason
// that is printable and fits an ERR line; a crash, a sanitizer report or a hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol.h"

namespace {

using namespace sfb::sink;
using fuzz::require;

void check_handshake(std::string_view line) {
    std::string error;
    const auto parsed = parse_handshake(line, error);
    if (!parsed) {
        // Sent back as "ERR <error>": it must fit one protocol line.
        fuzz::require_printable(error, max_line - 5);
        return;
    }
    if (parsed->control) {
        require(parsed->token == "-" || valid_token(parsed->token));
        return;
    }
    const data_request& request = parsed->data;
    require(valid_token(request.session));
    require(request.pass_bytes >= 1 && request.pass_bytes <= max_pass_bytes);
    require(request.rcvbuf >= 0 && request.rcvbuf <= max_rcvbuf);
    require(request.cpu >= -1 && request.cpu <= max_cpu);
    require(!(request.verify && request.discard));
    // What the sender would write for this request reads back as the same request.
    const auto again = parse_data_request(format_data_request(request), error);
    require(again && again->session == request.session && again->pass_bytes == request.pass_bytes &&
            again->rcvbuf == request.rcvbuf && again->cpu == request.cpu &&
            again->discard == request.discard && again->verify == request.verify);
}

void check_address(std::string_view text) {
    const auto split = split_host_port(text);
    if (!split) {
        return;
    }
    const auto port = parse_port(split->second, true);
    if (port) {
        require(std::to_string(*port).size() <= split->second.size());
        return;
    }
    fuzz::require_printable(port_error("--listen", split->second, true), 200);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::for_each_line(text, max_line, [](std::string_view line) {
        check_handshake(line);
        check_address(line);
    });
    return 0;
}
