#pragma once
#include <tlm>

#include <array>
#include <cstdint>

#include "fusemax/clock/clock.h"
#include "fusemax/observe/stage_stats.h"
#include "fusemax/program/ops.h"

namespace fusemax {

// Loop indices of a tile step, for traces and error messages.
struct TileCoord {
    std::uint32_t b = 0, h = 0;
    std::uint32_t p2 = 0, m1 = 0, p1 = 0;
};

// GLB word addresses of the operands a tile op reads or updates, by Operand.
using TileOperands = std::array<std::uint64_t, kOperandCount>;

// A GLB access an op makes besides its built-in operands (see TileOp::glb).
struct GlbAccess {
    std::uint64_t word = 0;
    std::uint64_t words = 0;
    bool write = false;
    TileValue value = TileValue::QK;  // register it fills or drains (functional mode)
};

// The extension a tile op travels with (scheduler -> PE array). The data pointer of the generic
// payload carries the op's output to the scheduler where it has one (AV: the O tile).
struct TileOp : tlm::tlm_extension<TileOp> {
    Op op = Op::QK;
    TileCoord at;
    OpExtent extent;
    TileOperands operands;
    bool first_key_tile = false;  // running state starts at its identity (RM = -inf, RD = RNV = 0)
    KeyMask mask;                 // the keys each query of the tile sees (causal, sliding window)
    bool forward = false;         // a consumer of the result sits on the other array
    bool functional = true;       // false: timing only, no values move
    // Further GLB traffic of this op: intermediates routed through the GLB (glb_write/glb_reads in
    // the configuration) and the 3-pass ops' score tiles.
    std::array<GlbAccess, 4> glb{};
    std::uint8_t glb_count = 0;
    // True for the 3-pass programs: `glb` lists all of the op's GLB traffic (no built-in operand
    // reads or state writes of the 1-pass cascade).
    bool listed_only = false;
    Stage stage = Stage::Whole;  // the 3-pass kernel it belongs to (statistics only)
    // The cycle the op reaches its array (its inputs are ready then). The IP's modules keep time in
    // absolute cycles carried here, with the annotated delay as its LT mirror: if a platform target
    // held the scheduler's thread (wait() in b_transport), simulated time may have passed a cycle
    // the schedule still plans for, and the annotation alone could not say so.
    Cycle arrival = 0;
    // Filled in by the array: when it was busy with the op, and when its result is available.
    Cycle start = 0, end = 0, done = 0;

    tlm::tlm_extension_base* clone() const override { return new TileOp(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const TileOp&>(other);
    }
};

// Extension of a register-forward transaction between the arrays (pe2d2pe1d, pe1d2pe2d).
struct Forward : tlm::tlm_extension<Forward> {
    TileValue value = TileValue::LM;
    std::uint32_t e = 0, f = 0;  // head dims, which size the registers

    tlm::tlm_extension_base* clone() const override { return new Forward(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const Forward&>(other);
    }
};

}  // namespace fusemax
