// The rules that keep the labels of `sfb kernels` honest: timings taken under qemu's TCG
// measure an emulator, so `compare` marks them and refuses to gate across accelerators, and
// `report` marks the machines measured under TCG; times taken under the instruction clock
// count guest instructions, not nanoseconds, so `compare` never pairs them with wall-clock
// times.
#pragma once

#include "benchmark_json.h"

#include <string>
#include <vector>

namespace sfb::harness {

// "kvm" or "tcg" for a result measured in a guest of `sfb kernels`, "" otherwise.
std::string vm_accelerator(const ordered_json& context);

// "instructions" for a result of `sfb kernels --clock instructions`, "wall" otherwise (a
// result without the context key vm_clock ran under the wall clock).
std::string vm_clock(const ordered_json& context);

// Throws input_error naming both sides' clocks when base and candidate are not all of one
// clock: instruction counts and wall-clock times are different quantities, so not even
// --no-test pairs them.
void require_one_clock(const result_set& base, const result_set& candidate);

// True when `set` holds results and every one ran under the instruction clock.
bool on_instruction_clock(const result_set& set);

// Notes for `compare` about accelerators: one when either side ran under TCG. When `gating`
// and the two sides ran under different accelerators (tcg, kvm, or none: a bare machine),
// throws input_error instead: such a difference is the emulator's, not the change's.
std::vector<std::string> accelerator_notes(const result_set& base, const result_set& candidate,
                                           bool gating);

// What `report` writes after a machine's kernel: "" for a bare machine, " (VM under KVM)", or
// " (VM under TCG, ...)" saying that the timings measure a CPU emulator.
std::string accelerator_label(const std::string& accel);

}  // namespace sfb::harness
