#pragma once
#include <string>
#include <vector>

#include "fusemax/config/gemm_shape.h"
#include "fusemax/config/workload.h"
#include "fusemax/protocol/job.h"

namespace fusemax {

// One kernel of a transformer layer and the job that runs it.
struct LayerKernel {
    std::string name;  // q_projection, k_projection, v_projection, attention, output_projection, ffn1, ffn2
    Job job;
};

// The jobs of the transformer layer around attention `w` (reference end_to_end_and_area.md,
// section 1), in the order they run, chained through one memory from `base`: the input X [B*P, D],
// then each kernel's weights and output. The projections write Q, K and V as [B*P, H*E] rows, which
// attention reads in place as [B, H, P, E] through its descriptors' strides; attention writes O the
// same way into the [B*P, H*F] input of the output projection; FFN1 reads its output, FFN2 FFN1's.
// `tiles` gives the GEMMs' tile sizes (m0, n0, block_rows; zero: the defaults).
std::vector<LayerKernel> layer_jobs(const Workload& w, const GemmShape& tiles, ElemType elem, std::uint64_t base,
                                    bool functional, const std::string& origin);

// One past the last byte the kernels' tensors use.
std::uint64_t layer_end(const std::vector<LayerKernel>& kernels);

}  // namespace fusemax
