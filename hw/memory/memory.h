#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <vector>

#include "fusemax/observe/stat_group.h"
#include "fusemax/observe/stats_source.h"

namespace fusemax {

struct MemoryStats {
    std::uint64_t reads = 0, writes = 0;
    std::uint64_t bytes_read = 0, bytes_written = 0;
    std::uint64_t errors = 0;

    template <class V>
    static void fields(V&& v) {
        v("reads", &MemoryStats::reads);
        v("writes", &MemoryStats::writes);
        v("bytes_read", &MemoryStats::bytes_read);
        v("bytes_written", &MemoryStats::bytes_written);
        v("errors", &MemoryStats::errors);
    }
};

// A plain TLM-2.0 memory for platforms and testbenches: byte-addressed, `size` bytes from
// address 0, storage allocated on first use. Supports byte enables, streaming, debug transport
// and DMI. It is not part of the FuseMax IP; the IP reaches it through its `mem` socket.
class Memory : public sc_core::sc_module, public StatsSource {
public:
    tlm_utils::simple_target_socket<Memory> socket;

    Memory(const sc_core::sc_module_name& name, std::uint64_t size_bytes,
           sc_core::sc_time read_latency = sc_core::SC_ZERO_TIME, sc_core::sc_time write_latency = sc_core::SC_ZERO_TIME);
    Memory(const Memory&) = delete;
    Memory& operator=(const Memory&) = delete;

    std::uint64_t size() const { return size_; }
    // Testbench backdoor: a host pointer to [addr, addr + len); throws std::out_of_range outside.
    unsigned char* backdoor(std::uint64_t addr, std::uint64_t len);

    const MemoryStats& stats() const { return stats_; }
    void write_stats(nlohmann::json& out) const override;

private:
    std::uint64_t size_;
    sc_core::sc_time read_latency_, write_latency_;
    std::vector<unsigned char> bytes_;
    StatGroup<MemoryStats> stat_group_;
    MemoryStats& stats_ = stat_group_.value();

    unsigned char* storage();
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
};

}  // namespace fusemax
