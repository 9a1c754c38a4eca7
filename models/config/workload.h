#pragma once
#include <cstdint>
#include <string>

#include "fusemax/program/ops.h"

namespace fusemax {

// One attention layer: B batches x H heads of softmax(scale * Q K^T) V with Q [P,E], K [M,E], V [M,F].
struct Workload {
    std::string name = "custom";
    std::uint64_t batch = 1;
    std::uint64_t heads = 1;
    std::uint64_t seq_q = 1024;   // P
    std::uint64_t seq_kv = 1024;  // M
    std::uint64_t head_dim = 64;  // E
    std::uint64_t v_dim = 64;     // F
    double scale = 1.0;
    // The transformer layer around the attention (reference end_to_end_and_area.md, section 1):
    // model width D and FFN width S. 0: not given. `layer`: run the whole layer, not attention alone.
    std::uint64_t d_model = 0;
    std::uint64_t ffn = 0;
    bool layer = false;
    // Masks (decoder attention): causal hides keys after each query's diagonal (bottom-right
    // aligned when P != M); a window of W keys (implies causal) also hides keys W or more before it.
    bool causal = false;
    std::uint64_t window = 0;  // 0: none
    // Grouped-query attention: kv_heads key/value heads, each shared by heads / kv_heads query heads
    // (0: as many as query heads; 1: multi-query attention).
    std::uint64_t kv_heads = 0;
    // Set when a group's query heads are stacked into one query dimension (the hardware's view of
    // grouped-query attention): a query's position is its index modulo this (0: not stacked).
    std::uint64_t stacked_period = 0;

    std::uint64_t pairs() const { return batch * heads; }
    std::uint64_t kv_head_count() const { return kv_heads ? kv_heads : heads; }
    std::uint64_t group() const { return heads / kv_head_count(); }  // query heads per K/V head
    bool masked() const { return causal || window > 0; }
    // The key mask of this shape (key0 = query0 = 0: whole matrices).
    KeyMask key_mask() const {
        KeyMask m;
        m.active = masked();
        const std::uint64_t p = stacked_period ? stacked_period : seq_q;
        m.diagonal = std::int64_t(seq_kv) - std::int64_t(p);
        m.window = window;
        m.period = stacked_period;
        return m;
    }
};

inline constexpr std::uint64_t kMaxSeqLen = 1ull << 26;
inline constexpr std::uint64_t kMaxHeadDim = 1ull << 14;
inline constexpr std::uint64_t kMaxPairs = 1ull << 24;
// Products of sizes are bounded too, so that no count, address or cycle derived from them can
// overflow 64 bits: the job's multiply-accumulates (pairs x P x M x (E + F)) and the elements of
// its largest tensor (pairs x max(P, M) x max(E, F)).
inline constexpr std::uint64_t kMaxJobMacs = 1ull << 60;
inline constexpr std::uint64_t kMaxTensorElements = 1ull << 56;

// Reads a workload YAML (configs/workloads/*.yaml). Keys: name, batch, heads, seq_len or
// seq_q + seq_kv, head_dim, v_dim (defaults to head_dim), scale (defaults to 1); for the layer
// around it d_model and ffn, and layer (true: run the whole layer; needs both).
Workload load_workload(const std::string& path);

// Throws ConfigError naming `origin` and the offending field when a size is out of range.
void validate_workload(const Workload& w, const std::string& origin);

}  // namespace fusemax
