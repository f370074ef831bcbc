#include "accelerator.h"

#include <fmt/format.h>
#include <set>

namespace sfb::harness {

namespace {

std::set<std::string> accelerators(const result_set& set) {
    std::set<std::string> out;
    for (const auto& file : set.files) {
        const std::string accel = vm_accelerator(file.context);
        out.insert(accel.empty() ? "none (not in a VM)" : accel);
    }
    return out;
}

std::set<std::string> clocks(const result_set& set) {
    std::set<std::string> out;
    for (const auto& file : set.files) {
        out.insert(vm_clock(file.context));
    }
    return out;
}

std::string joined(const std::set<std::string>& values) {
    std::string out;
    for (const auto& value : values) {
        out += (out.empty() ? "" : ", ") + value;
    }
    return out;
}

}  // namespace

std::string vm_accelerator(const ordered_json& context) {
    if (context.is_object() && context.contains("vm_accel") && context["vm_accel"].is_string()) {
        return context["vm_accel"].get<std::string>();
    }
    return {};
}

std::string vm_clock(const ordered_json& context) {
    if (context.is_object() && context.contains("vm_clock") && context["vm_clock"].is_string() &&
        context["vm_clock"].get<std::string>() == "instructions") {
        return "instructions";
    }
    return "wall";
}

bool on_instruction_clock(const result_set& set) {
    const auto found = clocks(set);
    return found.size() == 1 && *found.begin() == "instructions";
}

void require_one_clock(const result_set& base, const result_set& candidate) {
    const auto base_clocks = clocks(base);
    const auto new_clocks = clocks(candidate);
    if (base_clocks.size() + new_clocks.size() > 1 && base_clocks != new_clocks) {
        throw input_error(fmt::format(
            "base ran under the clock {} and new under the clock {}: times under qemu's "
            "instruction clock (sfb kernels --clock instructions) count guest instructions, "
            "not nanoseconds, so results of the wall clock and of the instructions clock are "
            "never paired, not even with --no-test",
            joined(base_clocks), joined(new_clocks)));
    }
    if (base_clocks.size() > 1 || new_clocks.size() > 1) {
        throw input_error(fmt::format(
            "{} holds results of the wall clock and of the instructions clock (sfb kernels "
            "--clock instructions): instruction counts and wall-clock times are never pooled",
            base_clocks.size() > 1 ? "base" : "new"));
    }
}

std::vector<std::string> accelerator_notes(const result_set& base, const result_set& candidate,
                                           bool gating) {
    const auto base_accels = accelerators(base);
    const auto new_accels = accelerators(candidate);
    if (base.files.empty() || candidate.files.empty()) {
        return {};
    }
    if (gating && (base_accels != new_accels || base_accels.size() > 1)) {
        throw input_error(fmt::format(
            "base ran under {} and new under {}: a difference between a CPU emulator (TCG), "
            "KVM and a bare machine is not a change in the code, so no gate is computed "
            "across accelerators (use --no-test to see the numbers)",
            joined(base_accels), joined(new_accels)));
    }
    if (base_accels.contains("tcg") || new_accels.contains("tcg")) {
        return {
            "measured under qemu's TCG: the timings measure a CPU emulator as much as the "
            "kernel"};
    }
    return {};
}

std::string accelerator_label(const std::string& accel) {
    if (accel.empty()) {
        return {};
    }
    if (accel == "tcg") {
        return " (VM under TCG, qemu's CPU emulator: the timings measure the emulator as much "
               "as the kernel; compare TCG guests with each other only)";
    }
    return fmt::format(" (VM under {})", accel == "kvm" ? "KVM" : accel);
}

}  // namespace sfb::harness
