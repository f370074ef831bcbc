// bench_sendfile's enums that list the entries of a table of format/contract.json in the
// contract's order (transport, receive_mode, placement): each enumerator's value is its index
// in that table, so the contract's generated ids (sfb::format::transport_id, ...) convert to
// and from them with a cast, and the names come from the contract.
#pragma once

#include <optional>

namespace sfb::bench {

// The enumerator of `Enum` for a parsed contract id; nothing when the name was not in the
// contract.
template <class Enum, class Id>
constexpr std::optional<Enum> from_contract(std::optional<Id> id) noexcept {
    if (!id) {
        return std::nullopt;
    }
    return static_cast<Enum>(*id);
}

}  // namespace sfb::bench
