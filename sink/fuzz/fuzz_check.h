// What both sink fuzzers require of every message made from a peer's bytes: valid UTF-8 with
// no control character, and bounded. A violation aborts, which libFuzzer reports as a crash.
#pragma once

#include <sfb/printable.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace sfb::sink::fuzz {

inline void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

inline void require_printable(std::string_view text, std::size_t limit) {
    require(text.size() <= limit);
    for (std::size_t at = 0; at < text.size();) {
        const auto c = static_cast<unsigned char>(text[at]);
        if (c < 0x80) {
            require(c >= 0x20 && c != 0x7f);
            ++at;
            continue;
        }
        std::uint32_t code = 0;
        const std::size_t length = printable_detail::utf8_sequence(text.substr(at), code);
        require(length != 0);
        at += length;
    }
}

// Calls `each` with every '\n'-terminated line of `text` (the last one without its '\n'), as
// line_reader hands them over: none longer than max_line.
template <typename Each>
void for_each_line(std::string_view text, std::size_t max_line, Each each) {
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        if (line.size() + 1 <= max_line) {
            each(line);
        }
        if (end == std::string_view::npos) {
            break;
        }
        text.remove_prefix(end + 1);
    }
}

}  // namespace sfb::sink::fuzz
