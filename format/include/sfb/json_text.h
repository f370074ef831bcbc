// JSON text as Google Benchmark writes it: a non-finite counter comes out as a bare NaN,
// Infinity or -Infinity (a cv over identical values is 0/0), which is not JSON. One rule for
// bench_sendfile's checker and sfb: each becomes null outside strings.
#pragma once

#include <string>
#include <string_view>

namespace sfb::format {

inline std::string replace_non_finite_numbers(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < text.size()) {
                out += text[++i];
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            out += c;
            continue;
        }
        bool replaced = false;
        for (std::string_view token : {"-Infinity", "Infinity", "-NaN", "NaN"}) {
            if (text.substr(i, token.size()) == token) {
                out += "null";
                i += token.size() - 1;
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out += c;
        }
    }
    return out;
}

}  // namespace sfb::format
