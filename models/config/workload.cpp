#include "fusemax/config/workload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"
#include "fusemax/util/checked_math.h"

namespace fusemax {
namespace {

// A product of sizes in floating point, for messages about products too large for 64 bits.
std::string approx(std::initializer_list<double> factors) {
    double v = 1;
    for (double f : factors) v *= f;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

}  // namespace

static Workload parse_workload(const std::string& path);

Workload load_workload(const std::string& path) {
    try {
        return parse_workload(path);
    } catch (const YAML::Exception& e) {
        throw yaml_error(path, e);
    }
}

static Workload parse_workload(const std::string& path) {
    const YamlMap doc(load_yaml_file(path, "workload"), path, "");
    doc.only_keys({"name", "batch", "heads", "seq_len", "seq_q", "seq_kv", "head_dim", "v_dim", "scale", "d_model", "ffn",
                   "layer", "causal", "window", "kv_heads"});
    Workload w;
    w.name = doc.string("name", "custom");
    w.batch = doc.positive_int("batch", 1);
    w.heads = doc.positive_int("heads", 1);
    if (doc.has("seq_len")) {
        if (doc.has("seq_q") || doc.has("seq_kv")) doc.fail("seq_len", "give either seq_len or seq_q and seq_kv");
        w.seq_q = w.seq_kv = doc.positive_int("seq_len");
    } else {
        w.seq_q = doc.positive_int("seq_q");
        w.seq_kv = doc.positive_int("seq_kv");
    }
    w.head_dim = doc.positive_int("head_dim");
    w.v_dim = doc.positive_int("v_dim", w.head_dim);
    w.scale = doc.positive_number("scale", 1.0);
    if (doc.has("d_model")) w.d_model = doc.positive_int("d_model");
    if (doc.has("ffn")) w.ffn = doc.positive_int("ffn");
    w.layer = doc.boolean("layer", false);
    w.causal = doc.boolean("causal", false);
    w.window = doc.non_negative_int("window", 0);
    w.kv_heads = doc.non_negative_int("kv_heads", 0);
    if (w.window) w.causal = true;
    if (w.layer && (!w.d_model || !w.ffn)) doc.fail("layer", "a layer needs d_model and ffn");
    validate_workload(w, path);
    return w;
}

void validate_workload(const Workload& w, const std::string& origin) {
    auto check = [&](const char* field, std::uint64_t v, std::uint64_t max) {
        if (v == 0 || v > max)
            throw ConfigError(origin + ": " + field + " = " + std::to_string(v) + ": expected 1 to " +
                              std::to_string(max));
    };
    check("batch", w.batch, kMaxPairs);
    check("heads", w.heads, kMaxPairs);
    check("seq_q", w.seq_q, kMaxSeqLen);
    check("seq_kv", w.seq_kv, kMaxSeqLen);
    check("head_dim", w.head_dim, kMaxHeadDim);
    check("v_dim", w.v_dim, kMaxHeadDim);
    if (w.batch * w.heads > kMaxPairs)
        throw ConfigError(origin + ": batch x heads = " + std::to_string(w.batch * w.heads) + ": expected at most " +
                          std::to_string(kMaxPairs));
    const auto macs = checked_product({w.pairs(), w.seq_q, w.seq_kv, w.head_dim + w.v_dim});
    if (!macs || *macs > kMaxJobMacs)
        throw ConfigError(origin + ": batch x heads x seq_q x seq_kv x (head_dim + v_dim) = " +
                          approx({double(w.pairs()), double(w.seq_q), double(w.seq_kv), double(w.head_dim + w.v_dim)}) +
                          " multiply-accumulates: expected at most 2^60 (" + approx({double(kMaxJobMacs)}) + ")");
    const std::uint64_t rows = std::max(w.seq_q, w.seq_kv), cols = std::max(w.head_dim, w.v_dim);
    const auto elements = checked_product({w.pairs(), rows, cols});
    if (!elements || *elements > kMaxTensorElements)
        throw ConfigError(origin + ": batch x heads x max(seq_q, seq_kv) x max(head_dim, v_dim) = " +
                          approx({double(w.pairs()), double(rows), double(cols)}) +
                          " elements in one tensor: expected at most 2^56 (" + approx({double(kMaxTensorElements)}) + ")");
    if (!(w.scale > 0) || !std::isfinite(w.scale))
        throw ConfigError(origin + ": scale: expected a positive finite number");
    if (w.kv_heads > w.heads || (w.kv_heads && w.heads % w.kv_heads))
        throw ConfigError(origin + ": kv_heads = " + std::to_string(w.kv_heads) + ": expected a divisor of heads (" +
                          std::to_string(w.heads) + ")");
    if (w.window > kMaxSeqLen)
        throw ConfigError(origin + ": window = " + std::to_string(w.window) + ": expected 0 (none) to " +
                          std::to_string(kMaxSeqLen));
}

}  // namespace fusemax
