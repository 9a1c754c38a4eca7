// The modules on their own, driven through their sockets by a small test initiator.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "fusemax/config/config_error.h"
#include "fusemax/dram/dram_controller.h"
#include "fusemax/glb/global_buffer.h"
#include "fusemax/memory/memory.h"
#include "platform/job_platform.h"
#include "sim_helpers.h"

namespace fusemax {
namespace {

struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket;
    explicit Initiator(const sc_core::sc_module_name& n) : sc_core::sc_module(n), socket("socket") {}

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len,
                                    unsigned char* byte_enables = nullptr, unsigned be_len = 0) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_byte_enable_ptr(byte_enables);
        gp.set_byte_enable_length(be_len);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        socket->b_transport(gp, delay);
        return gp.get_response_status();
    }
};

// A 4096-byte GLB of 2-byte words (2048 words) in `banks` banks of `row_words`-word rows, with a
// test initiator bound to its 2D-array socket.
GlbConfig small_glb(std::uint32_t row_words, std::uint32_t banks) {
    GlbConfig c;
    c.capacity_bytes = 4096;
    c.row_words = row_words;
    c.banks = banks;
    return c;
}

struct SmallGlb {
    GlobalBuffer glb;
    Initiator cpu{"cpu"};
    SmallGlb(std::uint32_t row_words, std::uint32_t banks) : glb("glb", small_glb(row_words, banks), 2) {
        cpu.socket.bind(glb.pe2d2glb);
    }
};

TEST(GlobalBuffer, CountsRowsOverBanksNotAPowerOfTwo) {
    SmallGlb t(100, 3);
    auto& [glb, cpu] = t;
    std::vector<float> data(700, 1.0f);
    // Words 250..949 are rows 2..9, in banks 2, 0, 1, 2, 0, 1, 2, 0.
    EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 250 * 4, data.data(), 700 * 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(glb.stats().row_writes, 8u);
    EXPECT_EQ(glb.bank_rows(), (std::vector<std::uint64_t>{3, 2, 3}));
    // Word 1000 alone: row 10, bank 1.
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 1000 * 4, data.data(), 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(glb.bank_rows(), (std::vector<std::uint64_t>{3, 3, 3}));
}

// Debug access (a platform's debugger, the trace player's memory dumps) reads and writes the stored
// values and counts nothing; out of range or without data it moves nothing.
TEST(GlobalBuffer, DebugAccessMovesValuesAndCountsNothing) {
    SmallGlb t(256, 4);
    auto& [glb, cpu] = t;
    std::vector<float> data{1.5f, -2.0f, 3.25f};
    EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 300 * 4, data.data(), 12), tlm::TLM_OK_RESPONSE);
    std::vector<float> back(3, 0.0f);
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(300 * 4);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(back.data()));
    gp.set_data_length(12);
    EXPECT_EQ(cpu.socket->transport_dbg(gp), 12u);
    EXPECT_EQ(back, data);
    const float patch = 7.0f;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(301 * 4);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(const_cast<float*>(&patch)));
    gp.set_data_length(4);
    EXPECT_EQ(cpu.socket->transport_dbg(gp), 4u);
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 300 * 4, back.data(), 12), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(back, (std::vector<float>{1.5f, 7.0f, 3.25f}));
    EXPECT_EQ(glb.stats().row_writes, 1u);  // the two transactions only
    EXPECT_EQ(glb.stats().row_reads, 1u);
    gp.set_address(2047 * 4);
    gp.set_data_length(8);  // past the last word
    EXPECT_EQ(cpu.socket->transport_dbg(gp), 0u);
    gp.set_address(0);
    gp.set_data_ptr(nullptr);
    EXPECT_EQ(cpu.socket->transport_dbg(gp), 0u);
}

TEST(GlobalBuffer, CountsRowsAndRejectsBadAccesses) {
    SmallGlb t(256, 4);
    auto& [glb, cpu] = t;
    std::vector<float> data(300, 1.5f);
    // Words 200..499 touch rows 0 and 1.
    EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 200 * 4, data.data(), 300 * 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(glb.stats().row_writes, 2u);
    std::vector<float> back(300, 0.0f);
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 200 * 4, back.data(), 300 * 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(back, data);
    EXPECT_EQ(glb.stats().row_reads, 2u);
    EXPECT_EQ(glb.bank_rows(), (std::vector<std::uint64_t>{2, 2, 0, 0}));
    // Words 256..1791 span rows 1..6: every bank once, then banks 1 and 2 again (rows 5, 6).
    std::vector<float> long_tile(1536, 0.5f);
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 256 * 4, long_tile.data(), 1536 * 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(glb.bank_rows(), (std::vector<std::uint64_t>{3, 4, 2, 1}));
    EXPECT_EQ(glb.stats().row_reads, 8u);
    // Words 768..1535 are rows 3..5: banks 3, 0 and 1, a run that wraps past the last bank.
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 768 * 4, long_tile.data(), 768 * 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(glb.bank_rows(), (std::vector<std::uint64_t>{4, 5, 2, 2}));
    EXPECT_EQ(glb.stats().row_reads, 11u);
    // Past the end, misaligned, with byte enables: refused, nothing counted.
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 2000 * 4, back.data(), 100 * 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 2, back.data(), 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    unsigned char be[4] = {0xFF, 0, 0xFF, 0};
    EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 0, data.data(), 4, be, 4), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    EXPECT_EQ(glb.stats().row_reads, 11u);
    EXPECT_EQ(glb.bank_rows(), (std::vector<std::uint64_t>{4, 5, 2, 2}));
}

TEST(Memory, ByteEnablesDebugAndDmi) {
    Memory mem("mem", 64);
    Initiator cpu("cpu");
    cpu.socket.bind(mem.socket);
    std::uint32_t word = 0xAABBCCDD;
    EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 8, &word, 4), tlm::TLM_OK_RESPONSE);
    std::uint32_t patch = 0x11223344;
    unsigned char be[4] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
    EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 8, &patch, 4, be, 4), tlm::TLM_OK_RESPONSE);
    std::uint32_t read = 0;
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 8, &read, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(read, 0xAA22CC44u);
    EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 62, &read, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    tlm::tlm_generic_payload gp;
    gp.set_address(8);
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&read));
    gp.set_data_length(4);
    read = 0;
    EXPECT_EQ(cpu.socket->transport_dbg(gp), 4u);
    EXPECT_EQ(read, 0xAA22CC44u);
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(cpu.socket->get_direct_mem_ptr(gp, dmi));
    EXPECT_EQ(dmi.get_end_address(), 63u);
    EXPECT_EQ(dmi.get_dmi_ptr()[8], 0x44);
}

// The channel: one transfer takes ceil(bytes / bytes per cycle) of channel time plus the latency;
// a second transfer queues behind the first.
struct DmaDriver : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<DmaDriver> socket;
    std::vector<DmaTransfer> results;
    std::uint32_t rows = 256;
    explicit DmaDriver(const sc_core::sc_module_name& n) : sc_core::sc_module(n), socket("socket") {
        SC_HAS_PROCESS(DmaDriver);
        SC_THREAD(run);
    }
    void run() {
        for (int i = 0; i < 2; ++i) {
            tlm::tlm_generic_payload gp;
            DmaTransfer x;
            x.tensor = Tensor::K;
            x.rows = rows;
            x.row_elems = 64;
            x.row_stride = 256;
            x.functional = false;
            gp.set_extension(&x);
            gp.set_command(tlm::TLM_IGNORE_COMMAND);
            sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
            socket->b_transport(gp, delay);
            EXPECT_TRUE(gp.is_response_ok());
            results.push_back(x);
            gp.clear_extension(&x);
        }
    }
};

TEST(DramController, BandwidthAndLatency) {
    const ArchConfig a = test::fusemax_arch();
    DramController dram("dram", a);
    GlobalBuffer glb("glb", a.glb, a.word_bytes);
    Memory mem("mem", 1 << 20);
    DmaDriver driver("driver");
    Initiator idle2d("idle2d"), idle1d("idle1d");
    idle2d.socket.bind(glb.pe2d2glb);
    idle1d.socket.bind(glb.pe1d2glb);
    driver.socket.bind(dram.sched2dram);
    dram.dram2glb.bind(glb.dram2glb);
    dram.dram2mem.bind(mem.socket);
    sc_core::sc_start();
    ASSERT_EQ(driver.results.size(), 2u);
    // 256 x 64 words x 2 bytes = 32768 bytes at 456.9 bytes per cycle: 72 cycles, then 100 latency.
    EXPECT_EQ(driver.results[0].start, 0u);
    EXPECT_EQ(driver.results[0].end, 72u);
    EXPECT_EQ(driver.results[0].done, 172u);
    EXPECT_EQ(driver.results[1].start, 72u);
    EXPECT_EQ(driver.results[1].done, 244u);
    EXPECT_EQ(dram.stats().read_bytes, 65536u);
    EXPECT_EQ(dram.stats().read_accesses, 8192u);
    EXPECT_EQ(glb.stats().row_writes, 128u);
    EXPECT_EQ(mem.stats().reads, 0u);  // timing only: no values moved
}

TEST(FuseMaxTop, GlbTooSmallForOneTileIsAnError) {
    ArchConfig a = test::fusemax_arch();
    a.glb.capacity_bytes = 100000;
    JobPlatform platform(a, test::shape(1, 1, 512, 512, 64, 64), ElemType::F32, false);
    try {
        platform.run();
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("GLB of 100000 bytes"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("need 132096 bytes"), std::string::npos) << e.what();
    }
}

TEST(FuseMaxTop, MemoryErrorResponseStopsTheJob) {
    // Platform memory smaller than the tensors: the first DRAM read gets an address error.
    const ArchConfig a = test::fusemax_arch();
    const Workload w = test::shape(1, 1, 256, 256, 64, 64);
    const Job job = Job::packed(w, ElemType::F32, 0, true);
    Memory mem("mem", 4096);
    FuseMax top("fusemax", a);
    sc_core::sc_signal<bool> irq("irq");
    top.mem.bind(mem.socket);
    top.irq.bind(irq);
    top.start(job);
    sc_core::sc_start();
    EXPECT_NE(top.scheduler().error().find("DRAM read of Q"), std::string::npos) << top.scheduler().error();
    EXPECT_NE(top.scheduler().error().find("TLM_ADDRESS_ERROR_RESPONSE"), std::string::npos);
}

}  // namespace
}  // namespace fusemax
