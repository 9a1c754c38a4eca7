#include "fusemax/scheduler/tensor_block.h"

namespace fusemax {

void describe_transfer(DmaTransfer& x, const Job& job, const TensorBlock& block, bool store, GlbSide side,
                       std::uint64_t glb_word, const TileCoord& at) {
    const TensorLayout& l = job.layout(block.tensor);
    x.store = store;
    x.side = side;
    x.tensor = block.tensor;
    x.at = at;
    x.mem_addr = l.row_address(block.b, block.h, block.row0) + block.col0 * elem_bytes(job.elem);
    x.row_stride = l.row_stride;
    x.rows = block.rows;
    x.row_elems = block.cols;
    x.elem = job.elem;
    x.scale = 1.0f;
    x.glb_word = glb_word;
    x.functional = job.functional;
}

}  // namespace fusemax
