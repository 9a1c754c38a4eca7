#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fusemax {

// A platform interconnect: any number of initiators bind to `targ`, targets to `init` (port i is
// the i-th bound). Each target owns an address range; the target sees addresses relative to its
// base. Decoding misses answer TLM_ADDRESS_ERROR_RESPONSE. Debug transport and DMI are passed on
// (DMI regions cut to the target's range and translated back to bus addresses) and DMI
// invalidations are broadcast, translated the same way.
class Bus : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Bus> targ;
    tlm_utils::multi_passthrough_initiator_socket<Bus> init;

    explicit Bus(const sc_core::sc_module_name& name);
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    // Routes [base, base + size) to target port `port`. Throws std::invalid_argument for an empty
    // range, one that passes the end of the address space, or one that overlaps another.
    void map(unsigned port, std::uint64_t base, std::uint64_t size);

private:
    struct Range {
        unsigned port;
        std::uint64_t base, size;
        std::uint64_t last() const { return base + (size - 1); }
    };
    std::vector<Range> ranges_;

    const Range* decode(std::uint64_t address) const;
    void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned int transport_dbg(int id, tlm::tlm_generic_payload& gp);
    bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);
};

}  // namespace fusemax
