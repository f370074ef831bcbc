// Running out of memory must end in a named error (exit 2), not in std::terminate. The JSON
// library's destructors allocate (an explicit stack, to free deep documents without
// recursion), so a document half-built when memory ran out could not be freed, and a
// bad_alloc thrown from that destructor ends the process. A reserve set aside at the start
// is given back at the first failed allocation, and the bad_alloc that follows unwinds with
// room to free everything.
#pragma once

namespace sfb::harness {

// Sets aside the reserve and installs the new-handler that gives it back. Idempotent.
void install_memory_reserve();

}  // namespace sfb::harness
