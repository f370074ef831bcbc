#include "memory_reserve.h"

#include <cstdlib>
#include <new>

namespace sfb::harness {

namespace {

// Enough for the JSON library to free a document of the largest size read (256 MiB of text):
// its destructor's stack holds one 16-byte value per element of the largest array. Only
// address space: the pages are never touched, so it costs no memory until it is used.
constexpr std::size_t kReserveBytes = 64U << 20;

void* g_reserve = nullptr;

// First failure: give the reserve back and fail this allocation, so the command unwinds with
// room to spare. Later failures: the default behaviour (bad_alloc).
void on_out_of_memory() {
    if (g_reserve != nullptr) {
        std::free(g_reserve);
        g_reserve = nullptr;
        throw std::bad_alloc();
    }
    std::set_new_handler(nullptr);
}

}  // namespace

void install_memory_reserve() {
    if (g_reserve == nullptr) {
        g_reserve = std::malloc(kReserveBytes);
        std::set_new_handler(on_out_of_memory);
    }
}

}  // namespace sfb::harness
