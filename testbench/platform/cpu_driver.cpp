#include "platform/cpu_driver.h"

#include <algorithm>
#include <cstring>

namespace fusemax {

CpuDriver::CpuDriver(const sc_core::sc_module_name& name, Program program, sc_core::sc_time access_time)
    : sc_core::sc_module(name), bus("bus"), irq("irq"), program_(std::move(program)), access_time_(access_time) {
    quantum_.set_global_quantum(sc_core::sc_time(1, sc_core::SC_US));
    SC_HAS_PROCESS(CpuDriver);
    SC_THREAD(run);
}

void CpuDriver::run() {
    quantum_.reset();
    program_(*this);
    sync();
    finished_ = true;
}

void CpuDriver::sync() {
    if (quantum_.get_local_time() != sc_core::SC_ZERO_TIME) quantum_.sync();
}

tlm::tlm_response_status CpuDriver::transport(tlm::tlm_command cmd, std::uint64_t address, unsigned char* data,
                                              unsigned len) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(address);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = quantum_.get_local_time() + access_time_;
    bus->b_transport(gp, delay);
    quantum_.set(delay);
    if (quantum_.need_sync()) quantum_.sync();
    return gp.get_response_status();
}

tlm::tlm_response_status CpuDriver::write(std::uint64_t address, std::uint64_t value, unsigned width) {
    unsigned char bytes[8] = {};
    std::memcpy(bytes, &value, std::min(width, 8u));
    // A register write has an effect the platform may observe now (e.g. START): synchronise first.
    sync();
    const auto status = transport(tlm::TLM_WRITE_COMMAND, address, bytes, width);
    sync();
    return status;
}

tlm::tlm_response_status CpuDriver::read(std::uint64_t address, std::uint64_t& value, unsigned width) {
    unsigned char bytes[8] = {};
    sync();
    const auto status = transport(tlm::TLM_READ_COMMAND, address, bytes, width);
    value = 0;
    std::memcpy(&value, bytes, std::min(width, 8u));
    return status;
}

tlm::tlm_response_status CpuDriver::write_block(std::uint64_t address, const void* data, std::uint64_t size) {
    constexpr std::uint64_t kChunk = 4096;
    auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
    for (std::uint64_t at = 0; at < size; at += kChunk) {
        const auto s = transport(tlm::TLM_WRITE_COMMAND, address + at, p + at,
                                 static_cast<unsigned>(std::min(kChunk, size - at)));
        if (s != tlm::TLM_OK_RESPONSE) return s;
    }
    return tlm::TLM_OK_RESPONSE;
}

tlm::tlm_response_status CpuDriver::read_block(std::uint64_t address, void* data, std::uint64_t size) {
    constexpr std::uint64_t kChunk = 4096;
    auto* p = static_cast<unsigned char*>(data);
    sync();
    for (std::uint64_t at = 0; at < size; at += kChunk) {
        const auto s = transport(tlm::TLM_READ_COMMAND, address + at, p + at,
                                 static_cast<unsigned>(std::min(kChunk, size - at)));
        if (s != tlm::TLM_OK_RESPONSE) return s;
    }
    return tlm::TLM_OK_RESPONSE;
}

std::uint64_t CpuDriver::debug_write(std::uint64_t address, const void* data, std::uint64_t size) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(address);
    gp.set_data_ptr(static_cast<unsigned char*>(const_cast<void*>(data)));
    gp.set_data_length(static_cast<unsigned>(size));
    return bus->transport_dbg(gp);
}

std::uint64_t CpuDriver::debug_read(std::uint64_t address, void* data, std::uint64_t size) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(address);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(static_cast<unsigned>(size));
    return bus->transport_dbg(gp);
}

bool CpuDriver::wait_irq(const sc_core::sc_time& timeout) {
    sync();
    if (irq.read()) return true;
    sc_core::wait(timeout, irq.posedge_event());
    return irq.read();
}

bool CpuDriver::wait_irq_rise(const sc_core::sc_time& timeout) {
    sync();
    sc_core::wait(timeout, irq.posedge_event());
    return irq.read();
}

void CpuDriver::wait_for(const sc_core::sc_time& t) {
    sync();
    sc_core::wait(t);
}

}  // namespace fusemax
