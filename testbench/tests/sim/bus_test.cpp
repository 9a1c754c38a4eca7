// The example platform's bus: decode and map() refuse overlaps and overflow, DMI regions and
// invalidations are cut to the mapped range and never wrap.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <stdexcept>
#include <vector>

#include "platform/bus.h"

namespace fusemax {
namespace {

// A target that grants DMI over its whole 64-bit address space and can invalidate all of it.
struct GreedyTarget : sc_core::sc_module {
    tlm_utils::simple_target_socket<GreedyTarget> socket{"socket"};
    unsigned char storage[64] = {};
    explicit GreedyTarget(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
        socket.register_get_direct_mem_ptr(this, &GreedyTarget::dmi);
        socket.register_transport_dbg(this, &GreedyTarget::dbg);
    }
    bool dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
        d.set_dmi_ptr(storage);
        d.set_start_address(0);
        d.set_end_address(~sc_dt::uint64{0});
        d.allow_read_write();
        return true;
    }
    unsigned int dbg(tlm::tlm_generic_payload& gp) { return gp.get_data_length(); }
};

// An initiator that records the invalidations it receives.
struct Watcher : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Watcher> socket{"socket"};
    std::vector<std::pair<sc_dt::uint64, sc_dt::uint64>> invalidated;
    explicit Watcher(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
        socket.register_invalidate_direct_mem_ptr(this, &Watcher::invalidate);
    }
    void invalidate(sc_dt::uint64 a, sc_dt::uint64 b) { invalidated.emplace_back(a, b); }
};

TEST(Bus, MapRefusesEmptyOverlappingAndWrappingRanges) {
    Bus bus("bus");
    bus.map(0, 0x1000, 0x1000);
    EXPECT_THROW(bus.map(1, 0x1800, 0x1000), std::invalid_argument);  // overlaps [0x1000, 0x1fff]
    EXPECT_THROW(bus.map(1, 0x0, 0x1001), std::invalid_argument);
    EXPECT_THROW(bus.map(1, 0x5000, 0), std::invalid_argument);
    EXPECT_THROW(bus.map(1, ~std::uint64_t{0} - 10, 12), std::invalid_argument);
    EXPECT_NO_THROW(bus.map(1, ~std::uint64_t{0} - 10, 11));  // ends exactly at 2^64 - 1
    EXPECT_NO_THROW(bus.map(2, 0x2000, 0x1000));                // adjacent, not overlapping
}

TEST(Bus, DmiAndInvalidationAtANonZeroBaseNeverWrap) {
    Bus bus("bus");
    GreedyTarget target("target");
    Watcher watcher("watcher");
    watcher.socket.bind(bus.targ);
    bus.init.bind(target.socket);
    constexpr std::uint64_t base = 0x8000'0000, size = 0x1000;
    bus.map(0, base, size);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);

    tlm::tlm_generic_payload gp;
    gp.set_address(base + 0x10);
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(watcher.socket->get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(dmi.get_start_address(), base);
    EXPECT_EQ(dmi.get_end_address(), base + size - 1);  // was base + 2^64 - 1, wrapped to base - 1

    target.socket->invalidate_direct_mem_ptr(0, ~sc_dt::uint64{0});
    ASSERT_EQ(watcher.invalidated.size(), 1u);
    EXPECT_EQ(watcher.invalidated[0], std::make_pair(sc_dt::uint64{base}, sc_dt::uint64{base + size - 1}));
    target.socket->invalidate_direct_mem_ptr(size, size + 100);  // outside what the bus maps
    EXPECT_EQ(watcher.invalidated.size(), 1u);

    // Debug transport stops at the end of the range it starts in.
    unsigned char buf[64];
    gp.set_address(base + size - 8);
    gp.set_data_ptr(buf);
    gp.set_data_length(64);
    gp.set_command(tlm::TLM_READ_COMMAND);
    EXPECT_EQ(watcher.socket->transport_dbg(gp), 8u);
    EXPECT_EQ(gp.get_data_length(), 64u);
    gp.set_address(base + size);
    EXPECT_EQ(watcher.socket->transport_dbg(gp), 0u);
}

}  // namespace
}  // namespace fusemax
