// The rule that keeps the labels of `sfb kernels` honest: timings taken under qemu's TCG
// measure an emulator, so `compare` marks them and refuses to gate across accelerators, and
// `report` marks the machines measured under TCG.
#pragma once

#include "benchmark_json.h"

#include <string>
#include <vector>

namespace sfb::harness {

// "kvm" or "tcg" for a result measured in a guest of `sfb kernels`, "" otherwise.
std::string vm_accelerator(const ordered_json& context);

// Notes for `compare` about accelerators: one when either side ran under TCG. When `gating`
// and the two sides ran under different accelerators (tcg, kvm, or none: a bare machine),
// throws input_error instead: such a difference is the emulator's, not the change's.
std::vector<std::string> accelerator_notes(const result_set& base, const result_set& candidate,
                                           bool gating);

// What `report` writes after a machine's kernel: "" for a bare machine, " (VM under KVM)", or
// " (VM under TCG, ...)" saying that the timings measure a CPU emulator.
std::string accelerator_label(const std::string& accel);

}  // namespace sfb::harness
