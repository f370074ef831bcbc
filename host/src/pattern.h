// The content of every benchmark file: byte i is a fixed function of i alone, so the receiver
// can check any chunk of any pass against the file without a copy of it, and a byte that
// arrives at the wrong place (reordered, repeated, skipped) is caught, not just a flipped one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sfb::bench {

// splitmix64: cheap, and no two nearby words look alike, so a shifted stream never matches.
constexpr std::uint64_t pattern_word(std::uint64_t index) noexcept {
    std::uint64_t z = index + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Fills `out` with the file's bytes [offset, offset + out.size()).
inline void fill_pattern(std::uint64_t offset, std::span<unsigned char> out) noexcept {
    std::size_t i = 0;
    while (i < out.size()) {
        const std::uint64_t position = offset + i;
        const std::uint64_t word = pattern_word(position / 8);
        for (auto byte = static_cast<unsigned>(position % 8); byte < 8 && i < out.size(); ++byte) {
            out[i++] = static_cast<unsigned char>(word >> (8 * byte));
        }
    }
}

}  // namespace sfb::bench
