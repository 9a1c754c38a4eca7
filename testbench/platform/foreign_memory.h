#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace fusemax {

// How a foreign platform memory behaves. Every behaviour is legal in the TLM-2.0 base protocol
// (loosely timed), and an IP must cope with each.
struct ForeignMemoryBehaviour {
    enum class Dmi : std::uint8_t {
        Full,      // grants all of the memory, read and write
        Refuse,    // grants nothing: every access is a transaction
        Partial,   // grants one aligned window of `dmi_window` bytes around the address asked for
        ReadOnly,  // grants all of it, for reads only
    };
    Dmi dmi = Dmi::Full;
    std::uint64_t dmi_window = 4096;
    // After every `invalidate_every`-th transaction the memory moves its storage to a new buffer,
    // frees the old one and invalidates all DMI pointers: an IP that kept one would touch freed
    // memory. (A transaction, not a timer: an IP running ahead of simulated time makes its DMI
    // accesses between transactions, so this is where an invalidation lands mid-job.)
    std::uint64_t invalidate_every = 0;
    // In b_transport: synchronise first (wait for the annotated delay, then annotate zero), wait this
    // long, and add this much to the annotation.
    bool sync = false;
    sc_core::sc_time wait = sc_core::SC_ZERO_TIME;
    sc_core::sc_time annotate = sc_core::SC_ZERO_TIME;
    // Answer transactions from the `error_after`-th on (counting from 0) with this status.
    std::optional<tlm::tlm_response_status> error;
    std::uint64_t error_after = 0;
};

struct ForeignMemoryStats {
    std::uint64_t transactions = 0, dmi_grants = 0, invalidations = 0, errors = 0;
};

// A platform memory of `size` bytes from address 0 (a bus may map it anywhere) that behaves as
// told: for testing the IP against the memories of foreign platforms.
class ForeignMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ForeignMemory> socket;

    ForeignMemory(const sc_core::sc_module_name& name, std::uint64_t size, const ForeignMemoryBehaviour& behaviour);
    ForeignMemory(const ForeignMemory&) = delete;
    ForeignMemory& operator=(const ForeignMemory&) = delete;

    // Testbench backdoor to [addr, addr + len); throws std::out_of_range outside.
    unsigned char* backdoor(std::uint64_t addr, std::uint64_t len);
    const ForeignMemoryStats& stats() const { return stats_; }

private:
    ForeignMemoryBehaviour behaviour_;
    std::vector<unsigned char> bytes_;
    ForeignMemoryStats stats_;

    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    void move_storage_and_invalidate();
};

}  // namespace fusemax
