#include "fusemax/memory/memory.h"

#include <cstring>
#include <stdexcept>

namespace fusemax {

Memory::Memory(const sc_core::sc_module_name& name, std::uint64_t size_bytes, sc_core::sc_time read_latency,
               sc_core::sc_time write_latency)
    : sc_core::sc_module(name),
      socket("socket"),
      size_(size_bytes),
      read_latency_(read_latency),
      write_latency_(write_latency) {
    socket.register_b_transport(this, &Memory::b_transport);
    socket.register_transport_dbg(this, &Memory::transport_dbg);
    socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
}

unsigned char* Memory::storage() {
    if (bytes_.empty()) bytes_.assign(size_, 0);
    return bytes_.data();
}

unsigned char* Memory::backdoor(std::uint64_t addr, std::uint64_t len) {
    if (addr > size_ || len > size_ - addr)
        throw std::out_of_range(std::string(name()) + ": backdoor access outside [0, " + std::to_string(size_) + ")");
    return storage() + addr;
}

void Memory::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t addr = gp.get_address();
    const std::uint64_t len = gp.get_data_length();
    const unsigned width = gp.get_streaming_width() ? gp.get_streaming_width() : static_cast<unsigned>(len);
    const unsigned char* be = gp.get_byte_enable_ptr();
    const unsigned be_len = gp.get_byte_enable_length();
    if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (addr > size_ || std::uint64_t{width} > size_ - addr || len == 0) {
        ++stats_.errors;
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (be && be_len == 0) {
        ++stats_.errors;
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    unsigned char* mem = storage() + addr;
    unsigned char* data = gp.get_data_ptr();
    const bool write = gp.is_write();
    for (std::uint64_t i = 0; i < len; ++i) {
        if (be && be[i % be_len] != TLM_BYTE_ENABLED) continue;
        unsigned char* cell = mem + (i % width);
        if (write) *cell = data[i];
        else data[i] = *cell;
    }
    if (write) {
        ++stats_.writes;
        stats_.bytes_written += len;
        delay += write_latency_;
    } else {
        ++stats_.reads;
        stats_.bytes_read += len;
        delay += read_latency_;
    }
    gp.set_dmi_allowed(true);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int Memory::transport_dbg(tlm::tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    if (addr >= size_) return 0;
    const std::uint64_t len = std::min<std::uint64_t>(gp.get_data_length(), size_ - addr);
    if (gp.is_write()) std::memcpy(storage() + addr, gp.get_data_ptr(), len);
    else if (gp.is_read()) std::memcpy(gp.get_data_ptr(), storage() + addr, len);
    else return 0;
    return static_cast<unsigned int>(len);
}

bool Memory::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    if (gp.get_address() >= size_) return false;
    dmi.set_dmi_ptr(storage());
    dmi.set_start_address(0);
    dmi.set_end_address(size_ - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(read_latency_);
    dmi.set_write_latency(write_latency_);
    return true;
}

void Memory::write_stats(nlohmann::json& out) const {
    out["size_bytes"] = size_;
    stat_group_.write_json(out);
}

}  // namespace fusemax
