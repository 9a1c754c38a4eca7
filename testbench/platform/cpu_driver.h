#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <functional>
#include <string>

namespace fusemax {

// A small CPU-like bus master for platforms and tests: runs a program (a function of this driver)
// in its own thread. The program reads and writes 32-bit registers and memory blocks over `bus`
// (loosely timed, with its own quantum keeper), waits for the interrupt on `irq`, and can use debug
// transport. Response statuses come back to the program; nothing here throws on them.
class CpuDriver : public sc_core::sc_module {
public:
    using Program = std::function<void(CpuDriver&)>;

    tlm_utils::simple_initiator_socket<CpuDriver> bus;
    sc_core::sc_in<bool> irq;

    CpuDriver(const sc_core::sc_module_name& name, Program program,
              sc_core::sc_time access_time = sc_core::sc_time(10, sc_core::SC_NS));
    CpuDriver(const CpuDriver&) = delete;
    CpuDriver& operator=(const CpuDriver&) = delete;

    // Register-sized accesses; `width` other than 4 makes a wrong-width access on purpose.
    tlm::tlm_response_status write(std::uint64_t address, std::uint64_t value, unsigned width = 4);
    tlm::tlm_response_status read(std::uint64_t address, std::uint64_t& value, unsigned width = 4);
    // Block accesses through b_transport, in chunks.
    tlm::tlm_response_status write_block(std::uint64_t address, const void* data, std::uint64_t size);
    tlm::tlm_response_status read_block(std::uint64_t address, void* data, std::uint64_t size);
    // Debug transport: no time, no side effects; returns the bytes moved.
    std::uint64_t debug_write(std::uint64_t address, const void* data, std::uint64_t size);
    std::uint64_t debug_read(std::uint64_t address, void* data, std::uint64_t size);
    // Waits until `irq` is high or `timeout` passes; true if it is high.
    bool wait_irq(const sc_core::sc_time& timeout);
    // Waits for `irq` to rise (whatever its level now: just after software cleared the cause, the
    // line may not have fallen yet) or `timeout` to pass; true if it rose.
    bool wait_irq_rise(const sc_core::sc_time& timeout);
    void wait_for(const sc_core::sc_time& t);
    // Local time including the quantum keeper's offset.
    sc_core::sc_time now() const { return quantum_.get_current_time(); }
    bool finished() const { return finished_; }

private:
    Program program_;
    sc_core::sc_time access_time_;
    tlm_utils::tlm_quantumkeeper quantum_;
    bool finished_ = false;

    void run();
    tlm::tlm_response_status transport(tlm::tlm_command cmd, std::uint64_t address, unsigned char* data, unsigned len);
    void sync();
};

}  // namespace fusemax
