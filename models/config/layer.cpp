#include "fusemax/config/layer.h"

#include "fusemax/config/config_error.h"
#include "fusemax/util/checked_math.h"

namespace fusemax {

std::vector<GemmShape> layer_gemms(const Workload& w, const std::string& origin) {
    if (!w.d_model || !w.ffn)
        throw ConfigError(origin + ": a layer needs d_model and ffn (the model and FFN widths)");
    const auto m = checked_mul(w.batch, w.seq_q);
    const auto qk_width = checked_mul(w.heads, w.head_dim), v_width = checked_mul(w.heads, w.v_dim);
    const auto k_width = checked_mul(w.kv_head_count(), w.head_dim), kv_v_width = checked_mul(w.kv_head_count(), w.v_dim);
    if (!m || !qk_width || !v_width || !k_width || !kv_v_width) throw ConfigError(origin + ": the layer's GEMM sizes overflow 64 bits");
    auto gemm = [&](const char* name, std::uint64_t k, std::uint64_t n) {
        GemmShape g;
        g.name = name;
        g.m = *m, g.k = k, g.n = n;
        validate_gemm(g, origin + ": " + name);
        return g;
    };
    return {gemm("q_projection", w.d_model, *qk_width), gemm("k_projection", w.d_model, *k_width),
            gemm("v_projection", w.d_model, *kv_v_width),  gemm("output_projection", *v_width, w.d_model),
            gemm("ffn1", w.d_model, w.ffn),             gemm("ffn2", w.ffn, w.d_model)};
}

}  // namespace fusemax
