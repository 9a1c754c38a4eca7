#pragma once
#include "fusemax/area/area_model.h"
#include <nlohmann/json.hpp>

#include <cstdint>

#include "fusemax/clock/clock.h"
#include "fusemax/energy/energy_model.h"
#include "fusemax/top/fusemax.h"

namespace fusemax {

// The modules' counters, which run on across jobs.
struct CounterSnapshot {
    ActivityCounts counts;
    std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
    std::uint64_t pe2d_busy = 0, pe1d_busy = 0;
    std::uint64_t pe2d_unit_cycles = 0, pe1d_unit_cycles = 0;
};
CounterSnapshot snapshot(const FuseMax& top);

// The headline results of the last job, gathered from the modules' statistics groups.
struct RunSummary {
    Cycle cycles = 0;          // job start to the completion of its last DRAM write
    Cycle compute_cycles = 0;  // first tile op start to last tile op end
    Cycle compute_start = 0;   // relative to the job start: the DRAM prologue
    double seconds = 0;
    ActivityCounts counts;
    EnergyBreakdown energy;
    std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
    std::uint64_t pe2d_busy = 0, pe1d_busy = 0;
    std::uint64_t pe2d_unit_cycles = 0, pe1d_unit_cycles = 0;
    // Utilization as the paper defines it: useful unit-cycles / (units x cycles); busy: the
    // fraction of cycles the array had an op (the same for full tiles).
    double util_2d = 0, util_1d = 0, busy_2d = 0, busy_1d = 0;
    std::uint64_t tile_steps = 0;
};

// The last job's cycles and the counts since `before` (by default: since elaboration, which is the
// job's own counts when it is the first), priced with the energy table of the job's program (the
// GEMM's table for a GEMM).
RunSummary summarize(const FuseMax& top, const CounterSnapshot& before = {});
// The same for any job: its record, and the counters when it had issued everything and before.
RunSummary summarize(const ArchConfig& arch, const JobRecord& job, const CounterSnapshot& after,
                     const CounterSnapshot& before);

// An area report as JSON: area_um2 in total and area_<block>_um2 per block (null where the area
// table cannot say, with the reason under "area_unavailable").
nlohmann::json area_json(const AreaReport& r);

// Fills in utilization and busy fractions from the busy and unit cycles and `cycles`.
void set_utilization(RunSummary& s, const ArchConfig& a);

// The headline numbers of a summary (cycles, energy and its breakdown, DRAM bytes, utilization).
nlohmann::json headline_json(const RunSummary& s);

// The stats JSON: headline numbers, per-op tables of both arrays, tiling, and every module's own
// statistics group under "modules" (found by walking the module tree below `top`). Timestamps count
// from `origin`, the absolute cycle the run's first job started (reported as origin_cycle); every
// field is described in stat_catalog.
nlohmann::json report_json(const FuseMax& top, const RunSummary& s, Cycle origin);

}  // namespace fusemax
