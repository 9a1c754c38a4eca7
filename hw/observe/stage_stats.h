#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "fusemax/observe/stat_group.h"
#include "fusemax/program/ops.h"
#include "fusemax/clock/clock.h"

namespace fusemax {

// The kernel of a 3-pass design an op or transfer serves (QK, the softmax, AV), or the whole
// program (1-pass designs, GEMMs): what a roofline plots a point for.
enum class Stage : std::uint8_t { Whole, QK, Softmax, AV };
inline constexpr std::size_t kStageCount = 4;
inline std::string stage_name(std::size_t i) {
    static const char* const names[] = {"whole", "QK", "softmax", "AV"};
    return names[i];
}

// What one module did for one stage: DRAM bytes or the array's actions. (When a stage ran comes
// from the program, which knows its kernels' boundaries; the times of a stage's last event are not
// periodic in what fast-forward compares, so they are not kept here.)
struct StageStats {
    std::uint64_t dram_bytes = 0;
    ActionCounts actions;
    std::uint64_t events = 0;  // ops or transfers

    template <class V>
    static void fields(V&& v) {
        v("dram_bytes", &StageStats::dram_bytes);
        v("", &StageStats::actions);
        v("events", &StageStats::events);
    }
};
using StageTable = std::array<StageStats, kStageCount>;

}  // namespace fusemax
