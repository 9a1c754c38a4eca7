#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "fusemax/config/arch_config.h"

namespace fusemax {

// What fusemax-explore tries: for each dimension, the values to enumerate (one value: fixed). Zero
// (or an empty binding) stands for the architecture's own choice: "full" tiles, "auto" P1 and GEMM
// blocks, the "same" hardware, the design's "own" binding. The space is the product of the lists.
struct SearchSpace {
    std::string source = "default";  // the file it came from
    // The attention mapping (one_pass programs; other programs take the first value of each).
    std::vector<std::uint32_t> m0{0}, p0{0}, p1{0};
    std::vector<bool> double_buffer{true};
    std::vector<bool> interleave{true};
    std::vector<bool> stack_groups{true};  // grouped-query heads stacked, or run head by head
    // Bindings of the ops to the arrays: design files whose `schedule` (each op's array, cost and
    // GLB routing) replaces the architecture's; "" is the architecture's own.
    std::vector<std::string> binding{""};
    // The GEMMs' mapping (layers and GEMMs).
    std::vector<std::uint32_t> gemm_m0{0}, gemm_n0{0};
    std::vector<std::uint64_t> gemm_block_rows{0};
    std::vector<GemmOrder> gemm_order{GemmOrder::Default};
    // Hardware.
    std::vector<std::uint64_t> pe_dim{0}, glb_bytes{0};
    std::vector<double> dram_gib_per_s{0}, clock_mhz{0};

    std::uint64_t size() const;
};

// The binding dimension's "auto": each op the design puts on the 2D array that works on the score
// tile without a matrix product (LM, SLN, SLD) on either array (on the 1D array at ROWS times its
// 2D cycles, a score tile it reads coming through the GLB), every combination. Named
// "auto:LM=pe1d,SLN=pe2d,...". Other programs: the design's own binding only.
inline const std::string kAutoBinding = "auto";
std::vector<std::string> mixed_bindings(const ArchConfig& arch);
// Replaces "auto" in the space's bindings by mixed_bindings(arch).
void expand_bindings(SearchSpace& s, const ArchConfig& arch);

// Reads a search-space YAML (mapping: and hardware: sections, each key a list); errors name the
// file and key. Binding paths are resolved relative to the file.
SearchSpace load_search_space(const std::string& path);

// The space fusemax-explore searches when given none: the mappings of `arch`'s hardware that can
// differ for this kind of job ("attention", "gemm", "layer", "decode").
// `grouped`: the attention has grouped-query heads (stacking them is then a choice).
SearchSpace default_search_space(const ArchConfig& arch, const std::string& kind, bool grouped = false);

// One point of a space: a value of each dimension.
struct DesignPoint {
    std::uint32_t m0 = 0, p0 = 0, p1 = 0;
    bool double_buffer = true, interleave = true, stack_groups = true;
    std::string binding;
    std::uint32_t gemm_m0 = 0, gemm_n0 = 0;
    std::uint64_t gemm_block_rows = 0;
    GemmOrder gemm_order = GemmOrder::Default;
    std::uint64_t pe_dim = 0, glb_bytes = 0;
    double dram_gib_per_s = 0, clock_mhz = 0;
};

// Every point of the space, in a fixed order (hardware outermost).
std::vector<DesignPoint> enumerate(const SearchSpace& s);

// `base` with the point's hardware and mapping applied; throws ConfigError naming what does not
// hold (the binding file, a size out of range).
ArchConfig apply_point(const ArchConfig& base, const DesignPoint& p);

// The point as an architecture YAML over `base_path` (fusemax-sim --arch accepts it); `header`
// goes in as comment lines.
std::string point_yaml(const std::string& base_path, const ArchConfig& applied, const DesignPoint& p,
                       const std::string& header);

}  // namespace fusemax
