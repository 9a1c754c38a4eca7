// Fuzzes the register file as guest software would drive it: any sequence of register reads and
// writes (aligned or not, any width, byte enables, streaming), debug peeks and pokes, STARTs of
// whatever job the registers describe, and stretches of simulated time. The IP must answer every
// access with a TLM status, keep ID and VERSION, report an error code it documents, and never
// crash or touch memory it does not own. One SystemC simulation serves every input (SystemC cannot
// restart), so each input begins with a SOFT_RESET.
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <pthread.h>

#include "fusemax/config/arch_config.h"
#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/memory/memory.h"
#include "fusemax/top/fusemax.h"

namespace {

using namespace fusemax;

// A broken invariant: say which, then stop as a crash (libFuzzer keeps the input).
[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "registers_fuzz: invariant violated: %s\n", what);
    std::abort();
}

// SystemC 2.3.4 tells AddressSanitizer it switches back to the main stack with an empty range
// (fixed in later SystemC), so once a SystemC thread has run, ASan cannot unpoison the main stack
// when an exception is thrown on it, and the poison that stays behind shows up as false
// stack-use-after-scope reports in later frames. After every sc_start the harness names the main
// stack again.
extern "C" void __sanitizer_start_switch_fiber(void** fake_stack, const void* bottom, std::size_t size)
    __attribute__((weak));
extern "C" void __sanitizer_finish_switch_fiber(void* fake_stack, const void** bottom_old, std::size_t* size_old)
    __attribute__((weak));

struct MainStack {
    void* bottom = nullptr;
    std::size_t size = 0;
    MainStack() {
        pthread_attr_t attr;
        if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
        pthread_attr_getstack(&attr, &bottom, &size);
        pthread_attr_destroy(&attr);
    }
    void announce() const {
        if (!__sanitizer_start_switch_fiber || !__sanitizer_finish_switch_fiber || !bottom) return;
        void* fake = nullptr;
        __sanitizer_start_switch_fiber(&fake, bottom, size);
        __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
    }
};

void simulate(const sc_core::sc_time& t) {
    static const MainStack main_stack;
    sc_core::sc_start(t);
    main_stack.announce();
}

struct Poker : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Poker> socket{"socket"};
    explicit Poker(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {}
};

// FuseMax with a 16 x 16 array and a 256 KiB GLB: the same modules and programs, but a tile op costs
// 1/256 of the full array's arithmetic, so that a fuzzer can afford the jobs guest software starts.
ArchConfig small_fusemax() {
    ArchConfig a = load_arch_config(std::string(FUSEMAX_CONFIG_DIR) + "/arch/fusemax.yaml");
    a.pe2d.rows = a.pe2d.cols = a.pe1d.lanes = 16;
    a.glb.capacity_bytes = 256 << 10;
    return a;
}

// The scheduler yields to the platform every simulated microsecond, so that sc_start() of a few
// microseconds bounds the work a running job does in one call.
IpOptions options() {
    IpOptions o;
    o.quantum = sc_core::sc_time(1, sc_core::SC_US);
    return o;
}

struct Rig {
    ArchConfig arch = small_fusemax();
    Memory memory{"memory", 1 << 20};
    FuseMax ip{"fusemax", arch, options()};
    Poker poker{"poker"};
    sc_core::sc_signal<bool> irq{"irq"};
    Rig() {
        ip.mem.bind(memory.socket);
        ip.irq.bind(irq);
        poker.socket.bind(ip.csr);
        simulate(sc_core::SC_ZERO_TIME);
    }

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t offset, std::uint32_t& value, unsigned len,
                                    unsigned streaming, unsigned char* enables) {
        unsigned char bytes[8] = {};
        std::memcpy(bytes, &value, 4);
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(offset);
        gp.set_data_ptr(bytes);
        gp.set_data_length(len);
        gp.set_streaming_width(streaming);
        gp.set_byte_enable_ptr(enables);
        gp.set_byte_enable_length(enables ? 4 : 0);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time t = sc_core::SC_ZERO_TIME;
        poker.socket->b_transport(gp, t);
        std::memcpy(&value, bytes, 4);
        return gp.get_response_status();
    }
    std::uint32_t peek(std::uint32_t offset) {
        std::uint32_t v = 0;
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(offset);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        if (poker.socket->transport_dbg(gp) != 4) violated("a debug read of a register moved other than 4 bytes");
        return v;
    }
};

Rig& rig() {
    static Rig* r = new Rig;  // lives for the process: SystemC objects cannot be destroyed mid-run
    return *r;
}

void check_invariants(Rig& r, tlm::tlm_response_status s) {
    if (s > tlm::TLM_OK_RESPONSE || s < tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE || s == tlm::TLM_INCOMPLETE_RESPONSE)
        violated("an access was answered with no valid response status");
    if (r.peek(regs::ID) != regs::kIdValue || r.peek(regs::VERSION) != regs::kVersionValue)
        violated("ID or VERSION changed");
    const std::uint32_t error = (r.peek(regs::STATUS) & regs::STATUS_ERROR_MASK) >> regs::STATUS_ERROR_SHIFT;
    if (error > static_cast<std::uint32_t>(regs::Error::Internal)) violated("STATUS.ERROR is not a documented code");
    if (error == static_cast<std::uint32_t>(regs::Error::Internal))
        violated(("the model failed: " + r.ip.registers().last_error()).c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Rig& r = rig();
    // Each input starts from reset: the last input's job, if any, is aborted and drains.
    std::uint32_t reset = regs::CONTROL_SOFT_RESET;
    r.access(tlm::TLM_WRITE_COMMAND, regs::CONTROL, reset, 4, 4, nullptr);
    for (int i = 0; i < 1000 && r.ip.scheduler().busy(); ++i) simulate(sc_core::sc_time(1, sc_core::SC_US));
    if (r.ip.scheduler().busy()) violated("SOFT_RESET did not stop the job within 1 ms");
    for (std::size_t i = 0; i + 8 <= size; i += 8) {
        const std::uint8_t kind = data[i] % 8, extra = data[i + 7];
        const std::uint64_t offset = (data[i + 1] | (std::uint64_t(data[i + 2]) << 8)) % 0x120;
        std::uint32_t value;
        std::memcpy(&value, data + i + 3, 4);
        tlm::tlm_response_status s = tlm::TLM_OK_RESPONSE;
        unsigned char enables[4] = {0xff, 0xff, 0, 0};
        switch (kind) {
            case 0:
            case 1: s = r.access(tlm::TLM_WRITE_COMMAND, offset & ~3ull, value, 4, 4, nullptr); break;
            case 2: s = r.access(tlm::TLM_READ_COMMAND, offset & ~3ull, value, 4, 4, nullptr); break;
            case 3:  // whatever width, streaming and enables the bytes say
                s = r.access(extra & 1 ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, offset, value,
                             1 + (extra >> 1) % 8, (extra >> 4) % 8, extra & 0x80 ? enables : nullptr);
                break;
            case 4: {  // a debug poke: no side effects, whatever it writes
                tlm::tlm_generic_payload gp;
                gp.set_command(tlm::TLM_WRITE_COMMAND);
                gp.set_address(offset & ~3ull);
                gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
                gp.set_data_length(4);
                r.poker.socket->transport_dbg(gp);
                break;
            }
            case 5: {
                std::uint32_t start = regs::CONTROL_START;
                s = r.access(tlm::TLM_WRITE_COMMAND, regs::CONTROL, start, 4, 4, nullptr);
                break;
            }
            default: simulate(sc_core::sc_time(1 + extra % 32, sc_core::SC_US)); break;
        }
        check_invariants(r, s);
    }
    return 0;
}
