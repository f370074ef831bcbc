// `sfb kernels`: the suite inside virtual machines booted from other kernels, so that kernels
// are compared on one machine. The VM work (kernel download, initramfs, qemu, the KVM probe)
// is vm/sfb-vm.sh's; this command runs it once per kernel, labels what comes back (guest
// kernel, accelerator, qemu version, vCPUs, memory) and stores it like `sfb run`. How those
// labels are read back: accelerator.h.
#pragma once

#include "cli.h"

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace sfb::harness {

int kernels_command(std::span<const std::string> argv);

// The options that shape a guest (vCPUs, memory, clock, ...), shared with `sfb ab --kernel`.
std::vector<option_spec> guest_option_specs();

// `sfb ab --kernel SPEC`: base and candidate staged into one guest of that kernel, where `sfb ab`
// runs them with `ab_options`; prints its answer, writes the --save-* files (the merged rounds
// labelled as sfb kernels labels a guest's result) and --summary, and returns its exit code.
int ab_in_guest(const parsed_args& args, const std::filesystem::path (&programs)[2],
                const std::vector<std::string>& ab_options);

}  // namespace sfb::harness
