#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <deque>
#include <utility>
#include <cstdint>
#include <vector>

#include "fusemax/clock/clock.h"
#include "fusemax/dram/channel_calendar.h"
#include "fusemax/observe/stat_group.h"
#include "fusemax/observe/timing_control.h"
#include "fusemax/protocol/dma.h"
#include "fusemax/observe/stats_source.h"
#include <memory>
#include "fusemax/protocol/target_port.h"
#include "fusemax/protocol/word_port.h"
#include "fusemax/config/arch_config.h"

namespace fusemax {

struct DramStats {
    std::uint64_t read_bytes = 0, write_bytes = 0;        // hardware words x word size
    std::uint64_t read_accesses = 0, write_accesses = 0;  // 64-bit accesses
    std::uint64_t busy_cycles = 0;                        // cycles the channel moved data
    std::array<std::uint64_t, kTensorCount> bytes_by_tensor{};
    StageTable stages{};
    std::uint64_t transfers = 0;
    std::uint64_t transactions = 0;
    std::uint64_t dmi_accesses = 0, bus_accesses = 0;  // platform-memory accesses, by path
    // Time the platform's memory took beyond the channel model: delay it annotated, time it waited
    // in b_transport, DMI latency. Recorded, never charged (see DramController).
    std::uint64_t platform_time_ps = 0;
    std::uint64_t platform_waits = 0;  // accesses during which the target let simulated time pass

    template <class V>
    static void fields(V&& v) {
        using S = DramStats;
        v("read_bytes", &S::read_bytes);
        v("write_bytes", &S::write_bytes);
        v("read_accesses", &S::read_accesses);
        v("write_accesses", &S::write_accesses);
        v("busy_cycles", &S::busy_cycles);
        v("bytes_by_tensor", &S::bytes_by_tensor,
          [](std::size_t i) { return std::string(tensor_name(static_cast<Tensor>(i))); }, true);
        v("stages", &S::stages, stage_name);
        v("transfers", &S::transfers);
        v("transactions", &S::transactions);
        v("dmi_accesses", &S::dmi_accesses);
        v("bus_accesses", &S::bus_accesses);
        v("platform_time_ps", &S::platform_time_ps);
        v("platform_waits", &S::platform_waits);
    }
};

// The DRAM side of the chip: one channel of configured bandwidth and latency that moves blocks of
// rows between the platform memory (the `dram2mem` socket) and the GLB or a PE array. The channel
// keeps a calendar of the time it is busy (ChannelCalendar); a transfer takes the earliest free
// time at or after its arrival, split over gaps if need be (its bursts interleave with others'),
// and its data is there `latency_cycles` after its last burst. So the channel never idles while a
// booked transfer is ready, whatever order the loosely-timed initiator issues transfers in. With
// the reads_first policy writes are posted: accepted at once into a write queue (the initiator's
// response), and booked after the reads issued meanwhile, into the time those leave, unless the
// queue is full. Traffic and energy count hardware words (2 bytes each
// in the reference), whatever element type the platform stores.
//
// Platform memory time: the channel model is the IP's memory time, and the only one. The platform
// memory supplies values; each access is made at the IP's local time of the transfer (annotated
// delay: the channel's first burst), and whatever time the target adds (a larger annotation, a
// wait() inside b_transport, a DMI latency) is recorded in the statistics but changes no cycle.
// A target that waits holds the scheduler's thread; the IP's modules keep time in absolute cycles,
// so the schedule is the same and only the interrupt may come later in simulated time. So cycles
// and counts do not depend on the platform: functional and timing mode, DMI or not, agree.
class DramController : public sc_core::sc_module, public StatsSource, public TimingControl {
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

public:
    TargetPort<DramController, &DramController::b_transport> sched2dram;
    tlm_utils::simple_initiator_socket<DramController> dram2glb;
    tlm_utils::simple_initiator_socket<DramController> dram2mem;

    DramController(const sc_core::sc_module_name& name, const ArchConfig& arch);
    DramController(const DramController&) = delete;
    DramController& operator=(const DramController&) = delete;

    const DramStats& stats() const { return stats_.value(); }
    // TimingControl: the booking calendar moves with a jump and is part of the periodic state.
    void mark(std::uint32_t slot) override { stats_.mark(slot); }
    void fast_forward(std::uint32_t slot, std::uint64_t periods, Cycle shift) override;
    void probe(Cycle horizon, std::vector<Cycle>& state) const override;
    Cycle drain() override;
    void write_stats(nlohmann::json& out) const override;
    // No transfer can use the channel before this cycle (earlier gaps are filled or forgotten).
    Cycle floor() const { return calendar_.floor(); }

protected:
    // Called after each transfer, with its arrival, channel time and completion filled in
    // (recording wraps the controller here).
    virtual void moved(const DmaTransfer& /*x*/, std::uint64_t /*bytes*/) {}
    const Clock& clock() const { return clock_; }

private:
    const ArchConfig& arch_;
    Clock clock_;
    double bytes_per_cycle_;
    // Channel cycles by transfer size, remembered: a job moves a few sizes over and over.
    struct TransferCycles {
        std::uint64_t bytes = 0;
        Cycle cycles = 0;
    };
    std::array<TransferCycles, 8> transfer_cycles_{};
    WordPort glb_;
    ChannelCalendar calendar_;
    // Posted writes (reads_first): accepted with their data, waiting for the channel. A write is
    // booked when the queue is full (oldest first), when it falls half a window behind the latest
    // arrival (before the calendar gives up the time it could use), or when the job drains.
    struct PostedWrite {
        DmaTransfer x;
        Cycle cycles = 0;
        std::uint64_t bytes = 0;
    };
    std::deque<PostedWrite> writes_;
    Cycle last_done_ = 0;
    StatGroup<DramStats> stats_;
    tlm::tlm_generic_payload mem_gp_;
    tlm::tlm_dmi dmi_;         // the region the platform memory granted for direct access
    bool dmi_valid_ = false;
    bool dmi_refused_ = false;  // asked and refused: do not ask again until an invalidation
    std::vector<unsigned char> staging_;
    std::vector<float> values_;

    Cycle transfer_cycles(std::uint64_t bytes);
    // Books a transfer on the channel and reports it; returns when its data has arrived.
    Cycle book(DmaTransfer& x, Cycle cycles, std::uint64_t bytes);
    // Books the oldest posted write; returns when its queue entry is free again.
    Cycle book_oldest_write();
    bool posted_writes() const { return arch_.dram.policy == DramPolicy::ReadsFirst; }
    void book_aged_writes();
    // Moves rows between platform memory and `values_`; false on an error response.
    bool read_rows(const DmaTransfer& x, tlm::tlm_response_status& status);
    bool write_rows(const DmaTransfer& x, const float* src, tlm::tlm_response_status& status);
    bool mem_transport(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::uint64_t len,
                       Cycle at, tlm::tlm_response_status& status);
    // Moves `rows` rows of `row_bytes` each between platform memory and `data`.
    bool mem_rows(tlm::tlm_command cmd, const DmaTransfer& x, std::uint64_t row_bytes, unsigned char* data,
                  tlm::tlm_response_status& status);
    // Copies through the DMI pointer if the granted region covers the access; false otherwise.
    bool try_dmi(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, std::uint64_t len);
    bool dmi_covers(tlm::tlm_command cmd, std::uint64_t addr, std::uint64_t len) const;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
};

}  // namespace fusemax
