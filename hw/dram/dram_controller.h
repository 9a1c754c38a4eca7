#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <deque>
#include <cstdint>
#include <vector>

#include "common/clock.h"
#include "common/control.h"
#include "common/dma.h"
#include "common/stats_source.h"
#include "common/word_port.h"
#include "config/arch_config.h"

namespace fusemax {

struct DramStats {
    std::uint64_t read_bytes = 0, write_bytes = 0;        // hardware words x word size
    std::uint64_t read_accesses = 0, write_accesses = 0;  // 64-bit accesses
    std::uint64_t busy_cycles = 0;                        // cycles the channel moved data
    std::array<std::uint64_t, kTensorCount> bytes_by_tensor{};
    std::uint64_t transfers = 0;
    std::uint64_t transactions = 0;

    void advance(const DramStats& mark, std::uint64_t periods);
};

// The DRAM side of the chip: one channel of configured bandwidth and latency that moves blocks of
// rows between the platform memory (the `dram2mem` socket) and the GLB or a PE array. Reads use the
// channel in the order they come; writes are posted into a write buffer and drain whenever the
// channel would otherwise idle (or when the buffer overflows, or on a flush), so an output tile
// never holds up the next input. Traffic and energy count hardware words (2 bytes each in the
// reference), whatever element type the platform stores.
class DramController : public sc_core::sc_module, public StatsSource {
public:
    tlm_utils::simple_target_socket<DramController> sched2dram;
    tlm_utils::simple_initiator_socket<DramController> dram2glb;
    tlm_utils::simple_initiator_socket<DramController> dram2mem;

    DramController(const sc_core::sc_module_name& name, const ArchConfig& arch);
    DramController(const DramController&) = delete;
    DramController& operator=(const DramController&) = delete;

    const DramStats& stats() const { return stats_; }
    void write_stats(nlohmann::json& out) const override;
    Cycle busy_until() const { return busy_until_; }
    // Bytes of posted writes not yet on the channel.
    std::uint64_t write_backlog() const { return backlog_bytes_; }

private:
    const ArchConfig& arch_;
    Clock clock_;
    double bytes_per_cycle_;
    WordPort glb_;
    Cycle busy_until_ = 0;
    struct PostedWrite {
        Cycle arrival = 0;
        Cycle cycles = 0;  // channel time still to go
        std::uint64_t bytes = 0;
    };
    std::deque<PostedWrite> writes_;
    std::uint64_t backlog_bytes_ = 0;
    Cycle last_write_done_ = 0;
    DramStats stats_;
    std::array<DramStats, Control::kSlots> marks_{};
    tlm::tlm_generic_payload mem_gp_;
    std::vector<unsigned char> staging_;
    std::vector<float> values_;

    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    void control(tlm::tlm_generic_payload& gp, Control& c);
    // Lets posted writes use the channel until cycle `t` (partly, for the one it is in).
    void drain_until(Cycle t);
    // Drains whole writes, oldest first, until the backlog fits the buffer.
    void drain_overflow();
    Cycle drain_one(PostedWrite& w, Cycle limit);
    // Moves rows between platform memory and `values_`; false on an error response.
    bool read_rows(const DmaTransfer& x, tlm::tlm_response_status& status);
    bool write_rows(const DmaTransfer& x, const float* src, tlm::tlm_response_status& status);
    bool mem_transport(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::uint64_t len,
                       tlm::tlm_response_status& status);
};

}  // namespace fusemax
