#include "platform/bus.h"

namespace fusemax {

Bus::Bus(const sc_core::sc_module_name& name) : sc_core::sc_module(name), targ("targ"), init("init") {
    targ.register_b_transport(this, &Bus::b_transport);
    targ.register_transport_dbg(this, &Bus::transport_dbg);
    targ.register_get_direct_mem_ptr(this, &Bus::get_direct_mem_ptr);
    init.register_invalidate_direct_mem_ptr(this, &Bus::invalidate_direct_mem_ptr);
}

void Bus::map(unsigned port, std::uint64_t base, std::uint64_t size) { ranges_.push_back({port, base, size}); }

const Bus::Range* Bus::decode(std::uint64_t address) const {
    for (const Range& r : ranges_)
        if (address >= r.base && address - r.base < r.size) return &r;
    return nullptr;
}

void Bus::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t address = gp.get_address();
    const Range* r = decode(address);
    if (!r || gp.get_data_length() > r->size - (address - r->base)) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    gp.set_address(address - r->base);
    init[r->port]->b_transport(gp, delay);
    gp.set_address(address);
}

unsigned int Bus::transport_dbg(int, tlm::tlm_generic_payload& gp) {
    const std::uint64_t address = gp.get_address();
    const Range* r = decode(address);
    if (!r) return 0;
    gp.set_address(address - r->base);
    const unsigned int n = init[r->port]->transport_dbg(gp);
    gp.set_address(address);
    return n;
}

bool Bus::get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    const std::uint64_t address = gp.get_address();
    const Range* r = decode(address);
    if (!r) return false;
    gp.set_address(address - r->base);
    const bool granted = init[r->port]->get_direct_mem_ptr(gp, dmi);
    gp.set_address(address);
    if (granted) {
        dmi.set_start_address(dmi.get_start_address() + r->base);
        dmi.set_end_address(std::min<sc_dt::uint64>(dmi.get_end_address() + r->base, r->base + r->size - 1));
    }
    return granted;
}

void Bus::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    for (const Range& r : ranges_)
        if (static_cast<int>(r.port) == port)
            for (unsigned i = 0; i < targ.size(); ++i) targ[i]->invalidate_direct_mem_ptr(start + r.base, end + r.base);
}

}  // namespace fusemax
