// `sfb kernels`: the suite inside virtual machines booted from other kernels, so that kernels
// are compared on one machine. The VM work (kernel download, initramfs, qemu, the KVM probe)
// is vm/sfb-vm.sh's; this command runs it once per kernel, labels what comes back (guest
// kernel, accelerator, qemu version, vCPUs, memory) and stores it like `sfb run`. How those
// labels are read back: accelerator.h.
#pragma once

#include <span>
#include <string>

namespace sfb::harness {

int kernels_command(std::span<const std::string> argv);

}  // namespace sfb::harness
