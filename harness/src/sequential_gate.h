// The sequential stopping rule of `sfb ab`: the gate looks at the comparison after every
// batch of rounds and stops as soon as the answer is clear, so that a quiet machine needs one
// batch and a noisy one gets the rounds it needs, up to a cap.
//
// Validity: with K looks planned, every look tests at alpha / K (Bonferroni over the looks),
// so the chance of a false regression over the whole run stays below alpha whatever look the
// run stops at. Stopping early because no regression can be as large as the threshold (every
// gating metric's 95% interval of the change lies below it) never adds a false regression, and
// neither does stopping early at the time limit (fewer looks than planned, each still at
// alpha / K).
#pragma once

#include "compare.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sfb::harness {

struct sequential_plan {
    unsigned batch = 15;       // rounds before the first look, and between looks
    unsigned max_rounds = 45;  // the cap; the last look is at this many rounds
    // No batch is started that would end after this many seconds, at the pace of the rounds
    // so far (0: no limit). The first batch always runs.
    double time_limit_seconds = 300;

    // How many looks the plan has: ceil(max_rounds / batch).
    unsigned looks() const;
    // The significance level of each look: alpha / looks().
    double look_alpha(double alpha) const;
    // The number of rounds at look `look` (1-based): look * batch, at most max_rounds.
    unsigned rounds_at(unsigned look) const;
};

enum class look_decision {
    go_on,       // neither a regression nor a clear pass yet: run another batch
    regression,  // a gating metric regressed at the look's level: stop, exit 1
    clear,       // every gating metric's interval excludes a change as large as the threshold
    last_look,   // the cap is reached: the verdict of this look is final
    time_limit,  // another batch would end after the time limit: this look's verdict is final
};

// True when `next_rounds` rounds in all, at the mean pace of the `rounds_done` rounds that took
// `elapsed_seconds`, would end after `limit_seconds` (never with a limit of 0 or no rounds).
bool next_batch_exceeds_limit(double elapsed_seconds, unsigned rounds_done, unsigned next_rounds,
                              double limit_seconds);

// What to do after a look at `comparison` (computed with the look's alpha); `last` is true at
// the last planned look, `out_of_time` when another batch would pass the time limit.
look_decision decide_after_look(const comparison_result& comparison, bool last,
                                bool out_of_time = false);

// True when every gating metric of every benchmark has a change interval whose worse end is
// nearer to 0 than the threshold (for a lower-is-better metric: upper end < +threshold).
bool clear_of_threshold(const comparison_result& comparison);

// Before the first round: when the time limit cannot hold every planned look even if each run
// of each of `benchmarks` benchmarks took only `seconds_per_benchmark` (its minimum time plus
// the warm-up: a lower bound), one paragraph saying how many looks fit and what that means;
// nothing when they all fit or there is no limit.
std::optional<std::string> time_limit_warning(const sequential_plan& plan, std::size_t benchmarks,
                                              double seconds_per_benchmark);

// The seconds each benchmark runs per round at least, from the arguments for the programs:
// the last --benchmark_min_time in seconds ("0.3", or "0.3s" of newer Google Benchmarks),
// else `default_min_time`; an iteration count ("100x") counts as 0. Plus `warmup_seconds`.
double seconds_per_benchmark(const std::vector<std::string>& args, double default_min_time,
                             double warmup_seconds);

// One line for the comparison's notes: which look the gate stopped at and why.
std::string describe_stop(const sequential_plan& plan, unsigned look, look_decision decision,
                          double alpha);

}  // namespace sfb::harness
