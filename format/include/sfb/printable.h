// Bytes from outside (a peer, a file, a command line, a child's output) made safe to print:
// the result is valid UTF-8 with no control characters and at most about `limit` bytes, so a
// hostile input can neither corrupt a terminal or a log nor make a message grow without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sfb {

namespace printable_detail {

// The length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one; `code` gets its value.
inline std::size_t utf8_sequence(std::string_view text, std::uint32_t& code) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    std::uint32_t smallest = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        code = lead & 0x1fU;
        smallest = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        code = lead & 0x0fU;
        smallest = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        code = lead & 0x07U;
        smallest = 0x10000;
    } else {
        return 0;
    }
    if (text.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xc0U) != 0x80) {
            return 0;
        }
        code = (code << 6) | (byte(i) & 0x3fU);
    }
    const bool surrogate = code >= 0xd800 && code <= 0xdfff;
    return code < smallest || surrogate || code > 0x10ffff ? 0 : length;
}

// Code points that are valid but must not reach a terminal as they are: C1 controls, line and
// paragraph separators, and the bidirectional overrides that can make text read backwards.
inline bool hidden_code_point(std::uint32_t code) {
    return (code >= 0x80 && code <= 0x9f) || code == 0x2028 || code == 0x2029 ||
           (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) ||
           code == 0xfeff;
}

}  // namespace printable_detail

// True when `text` is well-formed UTF-8 without control characters or hidden code points:
// what printable() shows unchanged, apart from doubling backslashes.
inline bool is_plain_text(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        const auto c = static_cast<unsigned char>(text[at]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
            ++at;
            continue;
        }
        std::uint32_t code = 0;
        const std::size_t length = printable_detail::utf8_sequence(text.substr(at), code);
        if (length == 0 || printable_detail::hidden_code_point(code)) {
            return false;
        }
        at += length;
    }
    return true;
}

// `text` with every byte that is not printable escaped (\n, \t, \\, \xNN, \u{NNNN}) and cut
// after about `limit` bytes of output, saying how many input bytes were left out.
inline std::string printable(std::string_view text, std::size_t limit = 256) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    std::size_t at = 0;
    while (at < text.size() && out.size() < limit) {
        const auto c = static_cast<unsigned char>(text[at]);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else if (std::uint32_t code = 0;
                   const std::size_t length =
                       printable_detail::utf8_sequence(text.substr(at), code)) {
            if (printable_detail::hidden_code_point(code)) {
                out += "\\u{";
                for (int shift = 16; shift >= 0; shift -= 4) {
                    if ((code >> static_cast<unsigned>(shift)) != 0 || shift <= 12) {
                        out += hex[(code >> static_cast<unsigned>(shift)) & 0xfU];
                    }
                }
                out += '}';
            } else {
                out.append(text.substr(at, length));
            }
            at += length;
            continue;
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xfU];
        }
        ++at;
    }
    if (at < text.size()) {
        out += "...(" + std::to_string(text.size() - at) + " more bytes)";
    }
    return out;
}

}  // namespace sfb
