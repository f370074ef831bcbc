#include "path_comparison.h"

#include "stats.h"
#include "table.h"

#include <fmt/format.h>
#include <sfb/format_contract.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace sfb::harness {

namespace {

constexpr std::string_view kBaselinePath = sfb::format::path_name::read_send;
constexpr std::string_view kHeadlinePath = sfb::format::path_name::sendfile;
constexpr std::string_view kPlacementSection =
    "see benchmarks/README.md, \"Placement, interference and per-pass samples\"";

// Ratios this close to 1 (2%) count as even: a crossing needs one side clearly above and one
// clearly below.
constexpr double kEvenMargin = 0.02;
// Ratios of one comparison that stay within 10% of each other across placements agree.
constexpr double kAgreeSpread = 1.10;

std::vector<double> mb_per_second(std::span<const round_values> rounds) {
    std::vector<double> values = values_of(rounds, "bytes_per_second");
    for (double& v : values) {
        v /= 1e6;
    }
    return values;
}

// The position of `key` in `order`, appended when new: "the order first seen".
std::size_t first_seen(std::vector<std::string>& order, const std::string& key) {
    const auto at = std::find(order.begin(), order.end(), key);
    if (at != order.end()) {
        return static_cast<std::size_t>(at - order.begin());
    }
    order.push_back(key);
    return order.size() - 1;
}

std::string ratio_text(const std::optional<ratio_estimate>& ratio) {
    if (!ratio) {
        return "-";
    }
    if (!ratio->interval) {
        return fmt::format("{:.2f}x", ratio->estimate);
    }
    return fmt::format("{:.2f}x [{:.2f}, {:.2f}]", ratio->estimate, ratio->interval->low,
                       ratio->interval->high);
}

// "64 MiB" with its space kept together.
std::string unbroken_bytes(std::uint64_t bytes) {
    std::string text = format_bytes(bytes);
    std::replace(text.begin(), text.end(), ' ', kKeepTogether);
    return text;
}

// "tcp4 discard warm, 64 MiB file, 64 KiB blocks[, 2 connections]".
std::string describe_setting(const suite_name& name) {
    return fmt::format(
        "{} {} {}, {} file, {} blocks{}", name.transport, name.receiver, name.cache,
        unbroken_bytes(name.file_bytes), unbroken_bytes(name.block_bytes),
        name.connections > 1 ? fmt::format(", {} connections", name.connections) : std::string());
}

// "1.17x split, 0.51x same and 1.17x free".
std::string ratios_by_placement(const std::vector<const path_ratio*>& group) {
    std::string out;
    for (std::size_t i = 0; i < group.size(); ++i) {
        out += i == 0 ? "" : i + 1 == group.size() ? " and " : ", ";
        out += fmt::format("{:.2f}x {}", group[i]->mb_per_s->estimate, group[i]->name.placement);
    }
    return out;
}

// A name cell of the text table, cut to `width` with a final '~': paths are at most 17
// characters and the other segments shorter, so only a name from elsewhere is cut, and the
// table keeps within kConsoleWidth.
std::string fit(std::string text, table_style style, std::size_t width) {
    if (style == table_style::text && text.size() > width) {
        text.resize(width - 1);
        text += '~';
    }
    return text;
}

struct placement_group {
    std::vector<const path_ratio*> members;  // one per placement, in table order
    double low = 0;
    double high = 0;
    bool crosses() const { return low <= 1 - kEvenMargin && high >= 1 + kEvenMargin; }
    double spread() const { return high / low; }
};

}  // namespace

std::optional<ratio_estimate> estimate_ratio(std::span<const double> base,
                                             std::span<const double> candidate) {
    const auto positive = [](std::span<const double> values) {
        return !values.empty() &&
               std::all_of(values.begin(), values.end(), [](double v) { return v > 0; });
    };
    if (!positive(base) || !positive(candidate)) {
        return std::nullopt;
    }
    ratio_estimate out;
    if (const auto change = ratio_interval(base, candidate)) {
        out.estimate = 1 + change->estimate;
        out.interval = confidence_interval{1 + change->estimate, 1 + change->low, 1 + change->high,
                                           change->coverage};
        return out;
    }
    // Too few rounds for an interval: the same estimate, the median of every ratio (between
    // the two middle ones, their geometric mean, as ratio_interval takes it on logarithms).
    std::vector<double> ratios;
    const std::vector<double> candidates = thinned(candidate);
    for (const double b : thinned(base)) {
        for (const double c : candidates) {
            ratios.push_back(c / b);
        }
    }
    std::sort(ratios.begin(), ratios.end());
    const std::size_t n = ratios.size();
    out.estimate = n % 2 == 1 ? ratios[n / 2] : std::sqrt(ratios[n / 2 - 1] * ratios[n / 2]);
    return out;
}

std::vector<path_ratio> compare_paths(std::span<const benchmark_rounds> benchmarks) {
    struct parsed {
        const benchmark_rounds* benchmark;
        suite_name name;
    };
    std::vector<parsed> kept;
    std::map<std::string, const parsed*> baselines;  // by configuration
    kept.reserve(benchmarks.size());
    for (const auto& benchmark : benchmarks) {
        if (auto name = parse_suite_name(benchmark.name); name && !benchmark.failed) {
            kept.push_back({&benchmark, std::move(*name)});
        }
    }
    for (const auto& p : kept) {
        if (p.name.path == kBaselinePath) {
            baselines.emplace(p.name.configuration(), &p);
        }
    }
    std::vector<std::string> settings;
    std::vector<std::string> paths;
    std::vector<std::string> placements;
    std::vector<std::tuple<std::size_t, std::size_t, std::size_t, path_ratio>> rows;
    for (const auto& p : kept) {
        const auto base = baselines.find(p.name.configuration());
        if (p.name.path == kBaselinePath || base == baselines.end()) {
            continue;
        }
        const auto& base_rounds = base->second->benchmark->rounds;
        const auto& rounds = p.benchmark->rounds;
        path_ratio ratio;
        ratio.name = p.name;
        ratio.mb_per_s = estimate_ratio(mb_per_second(base_rounds), mb_per_second(rounds));
        ratio.cpu_per_pass =
            estimate_ratio(values_of(base_rounds, "cpu_time"), values_of(rounds, "cpu_time"));
        ratio.rounds = rounds.size();
        ratio.baseline_rounds = base_rounds.size();
        ratio.flagged = assess_rounds(p.benchmark->name, rounds).flagged() ||
                        assess_rounds(base->second->benchmark->name, base_rounds).flagged();
        const std::size_t setting = first_seen(settings, p.name.setting());
        const std::size_t path = first_seen(paths, p.name.path);
        const std::size_t placement = first_seen(placements, p.name.placement);
        rows.emplace_back(setting, path, placement, std::move(ratio));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
               std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
    });
    std::vector<path_ratio> out;
    out.reserve(rows.size());
    for (auto& row : rows) {
        out.push_back(std::move(std::get<3>(row)));
    }
    return out;
}

namespace {

// placement_sentence() with each size's number and unit joined by kKeepTogether, for
// wrap_text().
std::string placement_sentence_joined(std::span<const path_ratio> ratios) {
    // The comparisons (setting and path) with their MB/s ratio in each placement.
    std::vector<std::string> order;
    std::vector<placement_group> groups;
    std::vector<std::string> placements_seen;
    for (const auto& ratio : ratios) {
        if (ratio.name.placement.empty() || !ratio.mb_per_s) {
            continue;
        }
        first_seen(placements_seen, ratio.name.placement);
        const std::size_t at = first_seen(order, ratio.name.setting() + " " + ratio.name.path);
        if (at == groups.size()) {
            groups.push_back({{}, ratio.mb_per_s->estimate, ratio.mb_per_s->estimate});
        }
        placement_group& group = groups[at];
        group.members.push_back(&ratio);
        group.low = std::min(group.low, ratio.mb_per_s->estimate);
        group.high = std::max(group.high, ratio.mb_per_s->estimate);
    }
    if (groups.empty()) {
        return "";
    }
    if (placements_seen.size() == 1) {
        return fmt::format(
            "Every comparison ran in placement {} only: in another the ratios can differ "
            "(--sfb_placement=same,split,free; {}).",
            placements_seen.front(), kPlacementSection);
    }
    // The sentence speaks of sendfile when it ran (the question the suite answers), else of
    // the path whose ratio moves most with placement: one that changes direction first.
    const auto is_headline = [](const placement_group& g) {
        return g.members.front()->name.path == kHeadlinePath;
    };
    const auto before = [&](const placement_group& a, const placement_group& b) {
        if (is_headline(a) != is_headline(b)) {
            return is_headline(a);
        }
        if (a.crosses() != b.crosses()) {
            return a.crosses();
        }
        return a.spread() > b.spread();
    };
    const placement_group* widest = nullptr;
    std::size_t crossing = 0;
    std::size_t compared = 0;
    for (const auto& group : groups) {
        if (group.members.size() < 2) {
            continue;
        }
        ++compared;
        crossing += group.crosses() ? 1U : 0U;
        if (widest == nullptr || before(group, *widest)) {
            widest = &group;
        }
    }
    if (widest == nullptr) {
        return fmt::format("No comparison ran in more than one placement: {}.", kPlacementSection);
    }
    const path_ratio& first = *widest->members.front();
    const std::string lead =
        fmt::format("{}'s MB/s ratio over read_send is {} ({})", first.name.path,
                    ratios_by_placement(widest->members), describe_setting(first.name));
    if (widest->crosses()) {
        return fmt::format("{}: the answer depends on placement{}; {}.", lead,
                           compared > 1 ? fmt::format(" (its direction changes in {} of {} "
                                                      "comparisons)",
                                                      crossing, compared)
                                        : std::string(),
                           kPlacementSection);
    }
    if (widest->spread() >= kAgreeSpread) {
        const char* direction = widest->low >= 1 ? "faster" : widest->high <= 1 ? "slower" : "even";
        return fmt::format("{}: {} in every placement, by an amount that depends on placement; {}.",
                           lead, direction, kPlacementSection);
    }
    return fmt::format(
        "{}, the widest gap of {}: the MB/s ratios agree across placements within {:.0f}%, so "
        "here the answer does not depend on placement.",
        lead,
        is_headline(*widest) ? fmt::format("{}'s comparisons", kHeadlinePath)
                             : std::string("any comparison"),
        (kAgreeSpread - 1) * 100);
}

}  // namespace

std::string placement_sentence(std::span<const path_ratio> ratios) {
    std::string sentence = placement_sentence_joined(ratios);
    std::replace(sentence.begin(), sentence.end(), kKeepTogether, ' ');
    return sentence;
}

std::string render_path_comparison(std::span<const benchmark_rounds> benchmarks, table_style style,
                                   bool colour) {
    const std::vector<path_ratio> ratios = compare_paths(benchmarks);
    if (ratios.empty()) {
        return "";
    }
    text_table table({{"transport"},
                      {"receiver"},
                      {"cache"},
                      {"file", alignment::right},
                      {"block", alignment::right},
                      {"conns", alignment::right},
                      {"placement"},
                      {"path"},
                      {"MB/s vs read_send", alignment::right},
                      {"sender CPU vs read_send", alignment::right},
                      {"n", alignment::right},
                      {""}});
    for (const auto& ratio : ratios) {
        const suite_name& n = ratio.name;
        table.add_row(
            {fit(n.transport, style, 10), fit(n.receiver, style, 10), fit(n.cache, style, 10),
             format_bytes(n.file_bytes), format_bytes(n.block_bytes), std::to_string(n.connections),
             fit(n.placement.empty() ? "-" : n.placement, style, 10), fit(n.path, style, 20),
             ratio_text(ratio.mb_per_s), ratio_text(ratio.cpu_per_pass),
             ratio.rounds == ratio.baseline_rounds
                 ? std::to_string(ratio.rounds)
                 : fmt::format("{}/{}", ratio.rounds, ratio.baseline_rounds),
             table_cell(ratio.flagged ? "*" : "", cell_style::bad)});
    }
    const std::size_t width = 100;
    std::string out;
    if (style == table_style::markdown) {
        out = table.markdown();
    } else {
        // Without the spaces an empty last column (no flag) leaves at the ends of lines.
        const std::string text = table.text(colour);
        for (std::string_view rest = text; !rest.empty();) {
            std::string_view line = rest.substr(0, rest.find('\n'));
            rest.remove_prefix(std::min(rest.size(), line.size() + 1));
            while (line.ends_with(' ')) {
                line.remove_suffix(1);
            }
            out += std::string(line) + "\n";
        }
    }
    out += wrap_text(
        "Each path against read_send of the same configuration: Hodges-Lehmann ratio over the "
        "n rounds, with its distribution-free 95% interval from 4 rounds a side; MB/s above 1 "
        "is faster, sender CPU (per pass) below 1 is cheaper; * = a regime or interference "
        "flagged in either benchmark.",
        width);
    const std::string sentence = placement_sentence_joined(ratios);
    if (!sentence.empty()) {
        out += wrap_text(sentence, width);
    }
    return out;
}

std::string wrap_text(std::string_view text, std::size_t width) {
    std::string out;
    std::string line;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line.clear();
        }
        if (!word.empty()) {
            line += (line.empty() ? "" : " ") + std::string(word);
        }
        start = end + 1;
    }
    if (!line.empty()) {
        out += line + "\n";
    }
    std::replace(out.begin(), out.end(), kKeepTogether, ' ');
    return out;
}

}  // namespace sfb::harness
