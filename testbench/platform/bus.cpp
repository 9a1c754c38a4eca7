#include "platform/bus.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "fusemax/util/hex.h"

namespace fusemax {
Bus::Bus(const sc_core::sc_module_name& name) : sc_core::sc_module(name), targ("targ"), init("init") {
    targ.register_b_transport(this, &Bus::b_transport);
    targ.register_transport_dbg(this, &Bus::transport_dbg);
    targ.register_get_direct_mem_ptr(this, &Bus::get_direct_mem_ptr);
    init.register_invalidate_direct_mem_ptr(this, &Bus::invalidate_direct_mem_ptr);
}

void Bus::map(unsigned port, std::uint64_t base, std::uint64_t size) {
    const std::string what = std::string(name()) + ": map(port " + std::to_string(port) + ", " + hex(base) + ", " +
                             hex(size) + "): ";
    if (size == 0) throw std::invalid_argument(what + "empty range");
    if (size - 1 > ~std::uint64_t{0} - base) throw std::invalid_argument(what + "range passes the end of the address space");
    for (const Range& r : ranges_)
        if (base <= r.last() && r.base <= base + (size - 1))
            throw std::invalid_argument(what + "overlaps port " + std::to_string(r.port) + " at [" + hex(r.base) + ", " +
                                        hex(r.last()) + "]");
    ranges_.push_back({port, base, size});
}

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

// A debug access never crosses the end of the range it starts in.
unsigned int Bus::transport_dbg(int, tlm::tlm_generic_payload& gp) {
    const std::uint64_t address = gp.get_address();
    const Range* r = decode(address);
    if (!r) return 0;
    const unsigned int length = gp.get_data_length();
    gp.set_address(address - r->base);
    gp.set_data_length(static_cast<unsigned int>(std::min<std::uint64_t>(length, r->size - (address - r->base))));
    const unsigned int n = init[r->port]->transport_dbg(gp);
    gp.set_address(address);
    gp.set_data_length(length);
    return n;
}

// The target's region, in its own addresses, is cut to the part the range maps and moved to bus
// addresses; nothing may wrap (a target may grant [0, 2^64 - 1]).
bool Bus::get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    const std::uint64_t address = gp.get_address();
    const Range* r = decode(address);
    if (!r) return false;
    gp.set_address(address - r->base);
    const bool granted = init[r->port]->get_direct_mem_ptr(gp, dmi);
    gp.set_address(address);
    const std::uint64_t lo = dmi.get_start_address(), hi = std::min<std::uint64_t>(dmi.get_end_address(), r->size - 1);
    if (!granted || lo > hi) return false;
    dmi.set_start_address(r->base + lo);
    dmi.set_end_address(r->base + hi);
    return granted;
}

void Bus::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    for (const Range& r : ranges_) {
        if (static_cast<int>(r.port) != port || start > r.size - 1 || start > end) continue;
        const std::uint64_t lo = r.base + start, hi = r.base + std::min<std::uint64_t>(end, r.size - 1);
        for (unsigned i = 0; i < targ.size(); ++i) targ[i]->invalidate_direct_mem_ptr(lo, hi);
    }
}

}  // namespace fusemax
