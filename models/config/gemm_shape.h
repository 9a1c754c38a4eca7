#pragma once
#include <cstdint>
#include <string>

namespace fusemax {

// One GEMM, Z[M, N] = A[M, K] W[K, N] (a linear layer: M token rows, K inputs, N outputs), and the
// tile sizes of its mapping (reference end_to_end_and_area.md, section 1): the 2D array computes an
// m0 x n0 block of Z over all of K, A stays in the GLB in blocks of `block_rows` rows, W whole or in
// n0-column tiles. Zero tile sizes mean the defaults (the array's rows and columns; the largest
// block that fits).
// The loop order over Z's blocks when W does not fit the GLB whole: A blocks outermost (each
// block against W's column tiles, W re-read per block), or W's column tiles outermost (each tile
// against all of A, A re-read per tile unless it all fits).
enum class GemmOrder : std::uint8_t { Default, ABlocks, WTiles };
const char* gemm_order_name(GemmOrder o);  // "a_blocks", "w_tiles"

struct GemmShape {
    std::string name = "gemm";
    std::uint64_t m = 0, k = 0, n = 0;
    std::uint32_t m0 = 0, n0 = 0;
    std::uint64_t block_rows = 0;
    GemmOrder order = GemmOrder::Default;

    std::uint64_t macs() const { return m * k * n; }
};

inline constexpr std::uint64_t kMaxGemmDim = 1ull << 32;

// Throws ConfigError naming `origin` and the offending size when a size is out of range or the
// products overflow (at most 2^60 multiply-accumulates, 2^56 elements per matrix).
void validate_gemm(const GemmShape& g, const std::string& origin);

// Parses "M,K,N" (as given to --gemm); false if malformed.
bool parse_gemm_dims(const std::string& text, GemmShape& g);

}  // namespace fusemax
