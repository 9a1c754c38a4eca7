#include "fusemax/protocol/layer_jobs.h"

#include <algorithm>

#include "fusemax/config/config_error.h"
#include "fusemax/config/layer.h"

namespace fusemax {
namespace {

// Places matrices one after another, 4 KiB aligned.
class Placer {
public:
    Placer(std::uint64_t base, ElemType elem) : at_(base), eb_(elem_bytes(elem)) {}
    TensorLayout matrix(std::uint64_t rows, std::uint64_t cols) {
        TensorLayout l{at_, rows * cols * eb_, rows * cols * eb_, cols * eb_};
        at_ += (rows * cols * eb_ + 4095) / 4096 * 4096;
        return l;
    }

private:
    std::uint64_t at_;
    std::uint64_t eb_;
};

TensorDesc matrix_desc(Tensor t, const TensorLayout& l, std::uint64_t rows, std::uint64_t cols) {
    return {t, {1, 1, rows, cols}, l};
}

// Matrix [B*P, H*D] (token rows, heads side by side) seen as [B, H, P, D].
TensorDesc heads_view(Tensor t, const TensorLayout& m, const Workload& w, std::uint64_t heads, std::uint64_t dim,
                      std::uint64_t eb) {
    const std::uint64_t row = heads * dim * eb;
    return {t, {w.batch, heads, w.seq_q, dim}, {m.base, w.seq_q * row, dim * eb, row}};
}

}  // namespace

std::vector<LayerKernel> layer_jobs(const Workload& w, const GemmShape& tiles, ElemType elem, std::uint64_t base,
                                    bool functional, const std::string& origin) {
    if (w.seq_q != w.seq_kv)
        throw ConfigError(origin + ": a layer is self-attention: seq_q (" + std::to_string(w.seq_q) +
                          ") must equal seq_kv (" + std::to_string(w.seq_kv) + ")");
    std::vector<GemmShape> gemms = layer_gemms(w, origin);
    for (GemmShape& g : gemms) g.m0 = tiles.m0, g.n0 = tiles.n0, g.block_rows = tiles.block_rows, g.order = tiles.order;
    Placer place(base, elem);
    auto gemm_job = [&](const GemmShape& g, const TensorLayout& a) {
        Job j;
        j.program = "gemm";
        j.gemm = g;
        j.elem = elem;
        j.functional = functional;
        j.tensors = {matrix_desc(Tensor::X, a, g.m, g.k)};
        j.tensors.push_back(matrix_desc(Tensor::W, place.matrix(g.k, g.n), g.k, g.n));
        j.tensors.push_back(matrix_desc(Tensor::Z, place.matrix(g.m, g.n), g.m, g.n));
        return j;
    };
    std::vector<LayerKernel> out;
    const TensorLayout x = place.matrix(gemms[0].m, gemms[0].k);
    for (std::size_t i = 0; i < 3; ++i) out.push_back({gemms[i].name, gemm_job(gemms[i], x)});
    Job attention;
    attention.shape = w;
    attention.elem = elem;
    attention.functional = functional;
    const std::uint64_t eb = elem_bytes(elem);
    const TensorLayout o = place.matrix(gemms[3].m, gemms[3].k);
    const std::uint64_t kv_heads = w.kv_head_count();
    attention.tensors = {heads_view(Tensor::Q, out[0].job.layout(Tensor::Z), w, w.heads, w.head_dim, eb),
                         heads_view(Tensor::K, out[1].job.layout(Tensor::Z), w, kv_heads, w.head_dim, eb),
                         heads_view(Tensor::V, out[2].job.layout(Tensor::Z), w, kv_heads, w.v_dim, eb),
                         heads_view(Tensor::O, o, w, w.heads, w.v_dim, eb)};
    out.push_back({"attention", attention});
    out.push_back({gemms[3].name, gemm_job(gemms[3], o)});
    out.push_back({gemms[4].name, gemm_job(gemms[4], out.back().job.layout(Tensor::Z))});
    out.push_back({gemms[5].name, gemm_job(gemms[5], out.back().job.layout(Tensor::Z))});
    return out;
}

std::uint64_t layer_end(const std::vector<LayerKernel>& kernels) {
    std::uint64_t end = 0;
    for (const LayerKernel& k : kernels) end = std::max(end, k.job.packed_end());
    return end;
}

}  // namespace fusemax
