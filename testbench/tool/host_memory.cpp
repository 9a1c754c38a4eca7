#include "tool/host_memory.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace fusemax {
namespace {

bool read_number(const std::string& path, std::uint64_t& out) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text) || text == "max") return false;
    std::istringstream ss(text);
    return static_cast<bool>(ss >> out);
}

// What a cgroup limit leaves: limit - usage.
void consider_cgroup(const std::string& limit, const std::string& usage, const char* name, HostMemory& m) {
    std::uint64_t l = 0, u = 0;
    if (!read_number(limit, l) || !read_number(usage, u)) return;
    const std::uint64_t left = l > u ? l - u : 0;
    if (left < m.bytes) m = {left, name};
}

}  // namespace

HostMemory available_host_memory() {
    HostMemory m{~std::uint64_t{0}, "unknown"};
    std::ifstream meminfo("/proc/meminfo");
    for (std::string key; meminfo >> key;) {
        std::uint64_t kib = 0;
        meminfo >> kib;
        meminfo.ignore(64, '\n');
        if (key == "MemAvailable:") m = {kib * 1024, "MemAvailable in /proc/meminfo"};
    }
    consider_cgroup("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "the cgroup's memory.max", m);
    consider_cgroup("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
                    "the cgroup's memory.limit_in_bytes", m);
    return m;
}

std::string format_bytes(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) v /= 1024, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

}  // namespace fusemax
