#include "fusemax/protocol/decode_jobs.h"

#include "fusemax/config/config_error.h"

namespace fusemax {
namespace {

// [B, H, rows, cols] packed in C order at `at` (4 KiB aligned), which moves past it.
TensorLayout packed(std::uint64_t& at, std::uint64_t b, std::uint64_t h, std::uint64_t rows, std::uint64_t cols,
                    std::uint64_t eb) {
    TensorLayout l{at, h * rows * cols * eb, rows * cols * eb, cols * eb};
    at += (b * l.batch_stride + 4095) / 4096 * 4096;
    return l;
}

}  // namespace

std::vector<LayerKernel> decode_jobs(const Workload& w, std::uint64_t steps, ElemType elem, std::uint64_t base,
                                     bool functional, const std::string& origin) {
    if (w.seq_q != w.seq_kv)
        throw ConfigError(origin + ": --decode-steps: the prefill is self-attention: seq_q (" + std::to_string(w.seq_q) +
                          ") must equal seq_kv (" + std::to_string(w.seq_kv) + ")");
    if (steps > kMaxSeqLen - w.seq_kv)
        throw ConfigError(origin + ": --decode-steps: " + std::to_string(steps) + ": the cache would pass " +
                          std::to_string(kMaxSeqLen) + " keys");
    const std::uint64_t eb = elem_bytes(elem), kv = w.kv_head_count(), cache = w.seq_kv + steps;
    std::uint64_t at = base;
    const TensorLayout k_cache = packed(at, w.batch, kv, cache, w.head_dim, eb);
    const TensorLayout v_cache = packed(at, w.batch, kv, cache, w.v_dim, eb);
    auto job = [&](std::uint64_t queries, std::uint64_t keys) {
        Job j;
        j.shape = w;
        j.shape.seq_q = queries;
        j.shape.seq_kv = keys;
        j.elem = elem;
        j.functional = functional;
        j.tensors = {{Tensor::Q, {w.batch, w.heads, queries, w.head_dim}, packed(at, w.batch, w.heads, queries, w.head_dim, eb)},
                     {Tensor::K, {w.batch, kv, keys, w.head_dim}, k_cache},
                     {Tensor::V, {w.batch, kv, keys, w.v_dim}, v_cache},
                     {Tensor::O, {w.batch, w.heads, queries, w.v_dim}, packed(at, w.batch, w.heads, queries, w.v_dim, eb)}};
        return j;
    };
    std::vector<LayerKernel> out{{"prefill", job(w.seq_q, w.seq_kv)}};
    for (std::uint64_t k = 1; k <= steps; ++k) out.push_back({"decode_" + std::to_string(k), job(1, w.seq_kv + k)});
    return out;
}

}  // namespace fusemax
