#pragma once
#include <cstdint>

#include "fusemax/protocol/dma.h"
#include "fusemax/protocol/job.h"

namespace fusemax {

// A rectangle of one of the job's tensors: rows [row0, row0 + rows) and columns
// [col0, col0 + cols) of matrix (b, h). The programs move tiles as such blocks;
// where they are in platform memory follows from the tensor's descriptor.
struct TensorBlock {
    Tensor tensor = Tensor::Q;
    std::uint64_t b = 0, h = 0;
    std::uint64_t row0 = 0, col0 = 0;
    std::uint32_t rows = 0, cols = 0;
};

// Describes moving `block` between platform memory and the chip: loads land at
// GLB word `glb_word` (rows packed one after another); stores leave from
// `side`. The job's layouts were checked when it started, so the addresses
// cannot wrap.
void describe_transfer(DmaTransfer& x, const Job& job, const TensorBlock& block, bool store, GlbSide side,
                       std::uint64_t glb_word, const TileCoord& at);

}  // namespace fusemax
