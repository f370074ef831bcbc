// Everything sfb prints passes through here: bytes that came from outside (file names, JSON
// strings, benchmark names, a child's output) may hold terminal escapes, invalid UTF-8 or
// megabytes without a newline, and a message must stay valid UTF-8, readable and short.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sfb::harness {

// Longest line of a message on standard error, and the longest message.
inline constexpr std::size_t kMessageLineLimit = 2048;
inline constexpr std::size_t kMessageLimit = 16384;

// `text` line by line: newlines and tabs kept, every other control character, invalid UTF-8
// byte and invisible or reordering code point escaped (\xNN, \u{NNNN}), each line cut after
// `line_limit` bytes and the whole after `total_limit`, saying how much was left out.
// Backslashes are kept as they are, so Markdown and text already escaped stay intact.
// `allow_colour` keeps SGR colour sequences (ESC [ digits ; m), which sfb itself writes.
std::string safe_text(std::string_view text, std::size_t line_limit = kMessageLineLimit,
                      std::size_t total_limit = kMessageLimit, bool allow_colour = false);

// One value from outside, for a message: every unprintable byte escaped (newlines too) and
// cut after `limit` bytes.
std::string quoted_value(std::string_view text, std::size_t limit = 256);

// fputs of safe_text(text) + "\n" to standard error.
void print_message(std::string_view text);

}  // namespace sfb::harness
