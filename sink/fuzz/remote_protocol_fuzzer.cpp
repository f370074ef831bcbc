// libFuzzer target for what bench_sendfile reads from a sink: the answer to a handshake, the
// CONTEXT lines and the PASS/END/FAIL reports of a data connection. Whatever the bytes, each
// line is accepted only with values in range and in order, and whatever is shown of it is
// printable and bounded; a crash, a sanitizer report or a hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol.h"

namespace {

using namespace sfb::sink;
using fuzz::require;

// The sender's state over one input: the first line is the answer, then context or reports.
struct remote_state {
    bool answered = false;
    std::size_t context_lines = 0;
    pass_report last{};
    std::uint64_t pass_bytes = 65536;
    std::uint64_t sent = std::uint64_t{1} << 30;
};

void check_answer(std::string_view line) {
    const answer got = parse_answer(line);
    if (got.what == answer::kind::ok) {
        require(got.argument.empty() || valid_token(got.argument));
    } else {
        fuzz::require_printable(got.argument, 300);
    }
}

void check_context(std::string_view line, remote_state& state) {
    std::string error;
    const auto entry = parse_context_line(line, error);
    if (!entry) {
        fuzz::require_printable(error, 200);
        return;
    }
    ++state.context_lines;
    require(!entry->first.empty() && entry->first.size() <= max_context_key);
    fuzz::require_printable(entry->second, max_line + 64);
}

void check_report(std::string_view line, remote_state& state) {
    const auto report = parse_report(line);
    if (!report) {
        return;
    }
    const bool end = line.starts_with("END");
    std::string error;
    if (!report_follows(state.last, *report, end, state.pass_bytes, state.sent, error)) {
        fuzz::require_printable(error, 300);
        return;
    }
    require(report->received >= state.last.received && report->verified <= report->received);
    require(report->received <= state.sent);
    require(end || report->received / state.pass_bytes > state.last.received / state.pass_bytes);
    state.last = *report;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    remote_state state;
    if (size > 0) {
        state.pass_bytes = 1 + data[0] % 128;
        state.sent = state.pass_bytes * (1 + data[size - 1] % 64);
    }
    fuzz::for_each_line(text, max_line, [&](std::string_view line) {
        if (!state.answered) {
            state.answered = true;
            check_answer(line);
            return;
        }
        check_context(line, state);
        check_report(line, state);
    });
    return 0;
}
