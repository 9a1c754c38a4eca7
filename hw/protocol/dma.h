#pragma once
#include <tlm>

#include <cstdint>

#include "fusemax/clock/clock.h"
#include "fusemax/protocol/tile_op.h"

namespace fusemax {

// Tensors that cross the DRAM interface: attention's operands and output, the score-sized
// intermediates the baselines move through DRAM (QK, A) or spill (Spill), and a GEMM's operands and
// output (X, the activations A[M, K] of Z = A W, named X to keep A for attention's probabilities; W;
// Z).
enum class Tensor : std::uint8_t { Q, K, V, O, QK, A, Spill, X, W, Z };
inline constexpr std::size_t kTensorCount = 10;
enum class ElemType : std::uint8_t { F32, F16 };

inline constexpr std::size_t index_of(Tensor t) { return static_cast<std::size_t>(t); }
inline std::uint32_t elem_bytes(ElemType t) { return t == ElemType::F32 ? 4 : 2; }
inline const char* tensor_name(Tensor t) {
    static const char* const names[] = {"Q", "K", "V", "O", "QK", "A", "spill", "X", "W", "Z"};
    return names[static_cast<int>(t)];
}

// Where the chip side of a transfer is: filled into / drained from the GLB (which counts the rows),
// or streamed straight to or from a PE array.
enum class GlbSide : std::uint8_t { Buffer, Stream };

// A block of rows moved between DRAM and the chip (scheduler -> DRAM controller). Loads into the
// GLB land at `glb_word` and travel as TLM_IGNORE_COMMAND (the scheduler gets no data back);
// functional stores carry their fp32 rows in the payload (TLM_WRITE_COMMAND). Intermediates
// (QK, A, spill) exist in timing mode only and have no place in platform memory.
struct DmaTransfer : tlm::tlm_extension<DmaTransfer> {
    bool store = false;  // chip -> platform memory
    GlbSide side = GlbSide::Buffer;
    Tensor tensor = Tensor::Q;
    TileCoord at;
    std::uint64_t mem_addr = 0;       // platform byte address of the first row
    std::uint64_t row_stride = 0;     // bytes between rows in platform memory
    std::uint32_t rows = 0;
    std::uint32_t row_elems = 0;
    ElemType elem = ElemType::F32;    // element type in platform memory
    float scale = 1.0f;               // folded into the values on the way in (Q)
    std::uint64_t glb_word = 0;
    bool functional = true;
    Stage stage = Stage::Whole;  // the 3-pass kernel it serves (statistics only)
    // A load of a job queued behind another: it may use channel time that job's schedule left free
    // further back than the controller's calendar keeps for others (see DramController).
    bool lookback = false;
    Cycle arrival = 0;  // the cycle the transfer reaches the controller (see TileOp::arrival)
    // Filled in by the controller: when the channel moved it (first and last burst), when the data
    // had arrived, and the earliest cycle any later transfer could use the channel.
    Cycle start = 0, end = 0, done = 0, floor = 0;

    std::uint64_t elements() const { return std::uint64_t{rows} * row_elems; }

    tlm::tlm_extension_base* clone() const override { return new DmaTransfer(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const DmaTransfer&>(other);
    }
};

}  // namespace fusemax
