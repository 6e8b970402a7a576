#pragma once
// Size guards: every request whose size comes from the user (a file header, a
// command-line count) is checked here BEFORE anything is allocated, so a
// hostile or mistaken size gives a clear kfm::Error instead of std::bad_alloc,
// an out-of-memory kill or a size_t overflow.
//
// The memory limit is 3/4 of the machine's physical memory
// (sysconf(_SC_PHYS_PAGES) * page size); the environment variable
// KFM_MEMORY_LIMIT_MB overrides it (e.g. on a shared machine or in a cgroup).
#include <cstddef>
#include <initializer_list>
#include <string>

namespace kfm {

// Physical memory of the machine in bytes (0 when the system cannot say).
std::size_t physical_memory_bytes();

// The largest number of bytes one request may need (see above).
std::size_t memory_limit_bytes();

// The product of `factors`; throws kfm::Error naming `what` if it overflows size_t.
std::size_t checked_product(std::initializer_list<std::size_t> factors, const std::string& what);

// Throws kfm::Error if `bytes` exceeds memory_limit_bytes(); the message names
// `what`, the need and the limit ("<what> needs 12.0 GiB, more than the limit ...").
void require_memory(std::size_t bytes, const std::string& what);

// Both at once: elements = product of `factors`, bytes = elements * element_size.
// Returns the number of elements.
std::size_t require_elements(std::initializer_list<std::size_t> factors, std::size_t element_size,
                             const std::string& what);

// "1.5 GiB", "12 MiB", "300 bytes" (for messages).
std::string format_bytes(std::size_t bytes);

}  // namespace kfm
