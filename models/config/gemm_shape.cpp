#include "fusemax/config/gemm_shape.h"

#include <sstream>
#include <vector>

#include "fusemax/config/config_error.h"
#include "fusemax/config/workload.h"
#include "fusemax/config/yaml_map.h"
#include "fusemax/util/checked_math.h"

namespace fusemax {

const char* gemm_order_name(GemmOrder o) { return o == GemmOrder::WTiles ? "w_tiles" : "a_blocks"; }

void validate_gemm(const GemmShape& g, const std::string& origin) {
    for (const auto& [name, v] : {std::pair<const char*, std::uint64_t>{"M", g.m}, {"K", g.k}, {"N", g.n}})
        if (v == 0 || v > kMaxGemmDim)
            throw ConfigError(origin + ": " + name + " = " + std::to_string(v) + ": expected 1 to 2^32");
    const auto macs = checked_product({g.m, g.k, g.n});
    if (!macs || *macs > kMaxJobMacs)
        throw ConfigError(origin + ": M x K x N exceeds 2^60 multiply-accumulates");
    for (const auto& [a, b] : {std::pair{g.m, g.k}, {g.k, g.n}, {g.m, g.n}}) {
        const auto elements = checked_mul(a, b);
        if (!elements || *elements > kMaxTensorElements)
            throw ConfigError(origin + ": a matrix of " + std::to_string(a) + " x " + std::to_string(b) +
                              " elements: expected at most 2^56");
    }
}

bool parse_gemm_dims(const std::string& text, GemmShape& g) {
    std::vector<std::uint64_t> dims;
    std::stringstream ss(text);
    for (std::string part; std::getline(ss, part, ',');) {
        std::int64_t v = 0;
        if (!parse_int(part, v) || v <= 0) return false;
        dims.push_back(static_cast<std::uint64_t>(v));
    }
    if (dims.size() != 3) return false;
    g.m = dims[0], g.k = dims[1], g.n = dims[2];
    return true;
}

}  // namespace fusemax
