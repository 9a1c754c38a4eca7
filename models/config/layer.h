#pragma once
#include <vector>

#include "fusemax/config/gemm_shape.h"
#include "fusemax/config/workload.h"

namespace fusemax {

// The linear layers of the transformer layer around attention `w` (reference
// end_to_end_and_area.md, section 1), in the order a layer runs them, each Z[M, N] = A[M, K] W[K, N]
// over M = batch x seq_q token rows: the Q, K and V projections (K = d_model, N = heads x head dim;
// K and V: kv_heads x head dim with grouped-query attention),
// the output projection (K = heads x v_dim, N = d_model), FFN1 (K = d_model, N = ffn) and FFN2
// (K = ffn, N = d_model). Throws ConfigError when d_model or ffn is missing or a GEMM is too large.
std::vector<GemmShape> layer_gemms(const Workload& w, const std::string& origin);

}  // namespace fusemax
