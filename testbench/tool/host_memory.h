#pragma once
#include <cstdint>
#include <string>

namespace fusemax {

// Memory this process may still use: the least of the kernel's MemAvailable and what a cgroup
// (v2 memory.max, v1 memory.limit_in_bytes) leaves, with where that figure came from.
struct HostMemory {
    std::uint64_t bytes = 0;
    std::string source;
};
HostMemory available_host_memory();

// "1.5 GiB", "320 MiB", "12 KiB", "17 B".
std::string format_bytes(std::uint64_t bytes);

}  // namespace fusemax
