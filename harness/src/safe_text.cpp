#include "safe_text.h"

#include <sfb/printable.h>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sfb::harness {

namespace {

// The length of an SGR sequence (ESC [ digits and semicolons m) at the start of `text`, or 0.
std::size_t colour_sequence(std::string_view text) {
    if (text.size() < 3 || text[0] != '\033' || text[1] != '[') {
        return 0;
    }
    for (std::size_t i = 2; i < text.size() && i < 16; ++i) {
        if (text[i] == 'm') {
            return i + 1;
        }
        if ((text[i] < '0' || text[i] > '9') && text[i] != ';') {
            return 0;
        }
    }
    return 0;
}

void append_escaped_byte(std::string& out, unsigned char c) {
    static constexpr char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 0xfU];
}

// Appends the character at `text[at]` (escaped when it must be) and returns its length.
std::size_t append_character(std::string& out, std::string_view text, std::size_t at,
                             bool allow_colour) {
    const auto c = static_cast<unsigned char>(text[at]);
    if ((c >= 0x20 && c < 0x7f) || c == '\t') {
        out += static_cast<char>(c);
        return 1;
    }
    if (allow_colour) {
        if (const std::size_t length = colour_sequence(text.substr(at)); length != 0) {
            out.append(text.substr(at, length));
            return length;
        }
    }
    std::uint32_t code = 0;
    const std::size_t length =
        c >= 0x80 ? printable_detail::utf8_sequence(text.substr(at), code) : 0;
    if (length == 0) {
        append_escaped_byte(out, c);
        return 1;
    }
    if (printable_detail::hidden_code_point(code)) {
        out += sfb::printable(text.substr(at, length));
    } else {
        out.append(text.substr(at, length));
    }
    return length;
}

}  // namespace

std::string safe_text(std::string_view text, std::size_t line_limit, std::size_t total_limit,
                      bool allow_colour) {
    std::string out;
    std::size_t line_bytes = 0;
    std::size_t at = 0;
    while (at < text.size() && out.size() < total_limit) {
        if (text[at] == '\n') {
            out += '\n';
            line_bytes = 0;
            ++at;
            continue;
        }
        if (line_bytes >= line_limit) {
            const std::size_t end = std::min(text.find('\n', at), text.size());
            out += "...(" + std::to_string(end - at) + " more bytes)";
            at = end;
            continue;
        }
        const std::size_t before = out.size();
        at += append_character(out, text, at, allow_colour);
        line_bytes += out.size() - before;
    }
    if (at < text.size()) {
        out += "...(" + std::to_string(text.size() - at) + " more bytes)";
    }
    return out;
}

std::string quoted_value(std::string_view text, std::size_t limit) {
    return sfb::printable(text, limit);
}

void print_message(std::string_view text) {
    std::string line = safe_text(text);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace sfb::harness
