// The one parser of bench_sendfile's benchmark names (format/contract.json, "name"), driven by
// the generated segment table:
//   <path>/<transport>/<receiver>/<cache>/file:<bytes>/block:<bytes>/conns:<n>/placement:<p>
//   /real_time[/threads:<n>][_<aggregate>]
// Strict mode is the contract's checker (check_bench_json): every segment in order with a value
// valid for its kind, then real_time, an optional threads:N and an optional aggregate suffix.
// Lenient mode reads results of any version (sfb): the segments from `placement` on may be
// missing, word values are not looked up in the tables, and any text may follow the segments.
#pragma once

#include <sfb/format_contract.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace sfb::format {

enum class name_mode { strict, lenient };

// The index of the segment named `segment` in name_segments; name_segments.size() for none.
constexpr std::size_t segment_index(std::string_view segment) noexcept {
    for (std::size_t i = 0; i < name_segments.size(); ++i) {
        if (name_segments[i].name == segment) {
            return i;
        }
    }
    return name_segments.size();
}

// In lenient mode the segments from this one on may be missing: results written before
// placements existed have none.
inline constexpr std::size_t first_optional_segment = segment_index(segment_name::placement);
static_assert(first_optional_segment < name_segments.size(),
              "the contract's name has no placement segment");

// A whole decimal number without sign or blanks that fits 64 bits.
inline std::optional<std::uint64_t> parse_name_number(std::string_view text) noexcept {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

namespace detail {

template <typename Table>
constexpr bool table_has(const Table& table, std::string_view name) noexcept {
    return std::any_of(table.begin(), table.end(),
                       [&](const auto& entry) { return entry.name == name; });
}

// Whether the segment's values are numbers ("bytes", "count") rather than words from a table.
constexpr bool numeric_segment(const segment_spec& segment) noexcept {
    return segment.values != "paths" && segment.values != "transports" &&
           segment.values != "receivers" && segment.values != "caches" &&
           segment.values != "placements";
}

// Whether `value` is a word of the contract's table `values` names.
constexpr bool table_word(std::string_view values, std::string_view value) noexcept {
    if (values == "paths") {
        return table_has(paths, value);
    }
    if (values == "transports") {
        return table_has(transports, value);
    }
    if (values == "receivers") {
        return table_has(receivers, value);
    }
    if (values == "caches") {
        return table_has(caches, value);
    }
    return values == "placements" && table_has(placements, value);
}

}  // namespace detail

// A benchmark name taken apart. The views point into the parsed name, which must outlive it.
struct parsed_name {
    // One value per name_segments entry, in contract order, without its prefix ("65536" for
    // "block:65536"); empty for a segment a lenient parse found missing.
    std::array<std::string_view, name_segments.size()> values{};
    // The value of each numeric segment (bytes, count); 0 for words and missing segments.
    std::array<std::uint64_t, name_segments.size()> numbers{};
    // All the text after the segments and their separator: "real_time",
    // "real_time/threads:4_median", anything in lenient mode; empty when nothing follows.
    std::string_view suffix;
    // N of "threads:N" after real_time; 0 when there is none.
    std::uint64_t threads = 0;
    // The aggregate of an "_<aggregate>" at the end after real_time ("median"); empty if none.
    std::string_view aggregate;

    // Whether a lenient parse found the segment (always, after a strict one).
    constexpr bool has(std::size_t segment) const noexcept { return !values[segment].empty(); }
};

// A parse's outcome: the name, or why not ("segment file is 'file:x', whose value is not a
// whole number", "segment placement is missing", ...).
struct name_parse_result {
    std::optional<parsed_name> name;
    std::string error;

    explicit operator bool() const noexcept { return name.has_value(); }
};

namespace detail {

inline name_parse_result name_error(std::string error) {
    return name_parse_result{std::nullopt, std::move(error)};
}

// Reads the suffix: real_time[/threads:N][_<aggregate>]. Sets out's threads and aggregate;
// false, with why, when the suffix is not of that form.
inline bool read_trailer(const std::string_view suffix, parsed_name& out, std::string& why) {
    std::string_view rest = suffix;
    std::string_view aggregate;
    for (const std::string_view name : aggregate_names) {
        if (rest.size() > aggregate_separator.size() + name.size() && rest.ends_with(name) &&
            rest.substr(0, rest.size() - name.size()).ends_with(aggregate_separator)) {
            aggregate = name;
            rest.remove_suffix(name.size() + aggregate_separator.size());
            break;
        }
    }
    std::string_view after = rest.substr(std::min(real_time_suffix.size(), rest.size()));
    if (!rest.starts_with(real_time_suffix) ||
        !(after.empty() || after.starts_with(name_separator))) {
        why = "expected " + std::string(real_time_suffix) + " after the " +
              std::to_string(name_segments.size()) + " segments, not '" + std::string(suffix) + "'";
        return false;
    }
    std::uint64_t threads = 0;
    if (!after.empty()) {
        after.remove_prefix(name_separator.size());
        const auto count = after.starts_with(threads_prefix)
                               ? parse_name_number(after.substr(threads_prefix.size()))
                               : std::nullopt;
        if (!count) {
            why = "'" + std::string(after) + "' after " + std::string(real_time_suffix) +
                  " is not " + std::string(threads_prefix) + "N";
            return false;
        }
        threads = *count;
    }
    out.threads = threads;
    out.aggregate = aggregate;
    return true;
}

}  // namespace detail

// Takes `name` apart by the contract's grammar in `mode`. A name that does not follow it (in
// lenient mode: one of another program) has no value and an error naming the first part that
// is wrong.
inline name_parse_result parse_benchmark_name(std::string_view name, name_mode mode) {
    const bool strict = mode == name_mode::strict;
    parsed_name out;
    std::string_view rest = name;
    bool more = true;  // rest still holds a part (which may be empty, as in "a//b")
    for (std::size_t i = 0; i < name_segments.size(); ++i) {
        const segment_spec& segment = name_segments[i];
        const std::string_view part =
            more ? rest.substr(0, std::min(rest.find(name_separator), rest.size()))
                 : std::string_view{};
        const bool found = more && !part.empty() && part.starts_with(segment.prefix);
        if (!found && !strict && i >= first_optional_segment && !segment.prefix.empty()) {
            continue;  // missing: the part, if any, is tried for the next segment or the suffix
        }
        const auto wrong = [&](std::string_view what) {
            return detail::name_error("segment " + std::string(segment.name) + " is '" +
                                      std::string(part) + "'" + std::string(what));
        };
        if (!more || (strict && part == real_time_suffix)) {
            return detail::name_error("segment " + std::string(segment.name) + " is missing");
        }
        if (!found) {
            return part.empty()
                       ? wrong("")
                       : wrong(", which does not start with " + std::string(segment.prefix));
        }
        const std::string_view value = part.substr(segment.prefix.size());
        if (detail::numeric_segment(segment)) {
            const auto number = parse_name_number(value);
            if (!number) {
                return wrong(", whose value is not a whole number");
            }
            out.numbers[i] = *number;
        } else if (strict && !detail::table_word(segment.values, value)) {
            return wrong(", not one of the contract's " + std::string(segment.values));
        }
        out.values[i] = value;
        if (part.size() == rest.size()) {
            rest = {};
            more = false;
        } else {
            rest.remove_prefix(part.size() + name_separator.size());
        }
    }
    out.suffix = rest;
    std::string why;
    if (!detail::read_trailer(out.suffix, out, why) && strict) {
        return detail::name_error(why);
    }
    return name_parse_result{out, {}};
}

}  // namespace sfb::format
