#include "platform/foreign_memory.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace fusemax {

ForeignMemory::ForeignMemory(const sc_core::sc_module_name& name, std::uint64_t size,
                             const ForeignMemoryBehaviour& behaviour)
    : sc_core::sc_module(name), socket("socket"), behaviour_(behaviour), bytes_(size, 0) {
    socket.register_b_transport(this, &ForeignMemory::b_transport);
    socket.register_get_direct_mem_ptr(this, &ForeignMemory::get_direct_mem_ptr);
}

unsigned char* ForeignMemory::backdoor(std::uint64_t addr, std::uint64_t len) {
    if (addr > bytes_.size() || len > bytes_.size() - addr)
        throw std::out_of_range(std::string(name()) + ": backdoor access outside the memory");
    return bytes_.data() + addr;
}

void ForeignMemory::move_storage_and_invalidate() {
    std::vector<unsigned char> moved(bytes_);  // a new buffer; the old one is freed below
    bytes_.swap(moved);
    moved.clear();
    moved.shrink_to_fit();
    ++stats_.invalidations;
    socket->invalidate_direct_mem_ptr(0, ~sc_dt::uint64{0});
}

void ForeignMemory::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t index = stats_.transactions++;
    if (behaviour_.sync) {
        sc_core::wait(delay);
        delay = sc_core::SC_ZERO_TIME;
    }
    if (behaviour_.wait != sc_core::SC_ZERO_TIME) sc_core::wait(behaviour_.wait);
    delay += behaviour_.annotate;
    if (behaviour_.error && index >= behaviour_.error_after) {
        ++stats_.errors;
        gp.set_response_status(*behaviour_.error);
        return;
    }
    const std::uint64_t addr = gp.get_address(), len = gp.get_data_length();
    if (gp.get_byte_enable_ptr() || gp.get_streaming_width() != len) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (addr > bytes_.size() || len > bytes_.size() - addr) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (gp.is_write()) std::memcpy(bytes_.data() + addr, gp.get_data_ptr(), len);
    else if (gp.is_read()) std::memcpy(gp.get_data_ptr(), bytes_.data() + addr, len);
    gp.set_dmi_allowed(behaviour_.dmi != ForeignMemoryBehaviour::Dmi::Refuse);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (behaviour_.invalidate_every && stats_.transactions % behaviour_.invalidate_every == 0)
        move_storage_and_invalidate();
}

bool ForeignMemory::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    using Dmi = ForeignMemoryBehaviour::Dmi;
    const std::uint64_t addr = gp.get_address();
    if (behaviour_.dmi == Dmi::Refuse || addr >= bytes_.size()) return false;
    std::uint64_t lo = 0, hi = bytes_.size() - 1;
    if (behaviour_.dmi == Dmi::Partial) {
        lo = addr / behaviour_.dmi_window * behaviour_.dmi_window;
        hi = std::min<std::uint64_t>(lo + behaviour_.dmi_window - 1, hi);
    }
    dmi.set_dmi_ptr(bytes_.data() + lo);
    dmi.set_start_address(lo);
    dmi.set_end_address(hi);
    if (behaviour_.dmi == Dmi::ReadOnly) dmi.allow_read();
    else dmi.allow_read_write();
    dmi.set_read_latency(behaviour_.annotate);
    dmi.set_write_latency(behaviour_.annotate);
    ++stats_.dmi_grants;
    return true;
}

}  // namespace fusemax
