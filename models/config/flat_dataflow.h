#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fusemax {

// FLAT's dataflow at one point (reference section 5b).
struct FlatDataflow {
    bool weight_stationary = false;  // 256K and 1M: scores go straight to DRAM
    std::uint64_t p1 = 256;          // query rows per tile
    double spill = 0;                // fraction p of each score-sized GLB access that also goes to DRAM
    bool q_on_chip = false;          // Q loaded into the GLB once, re-reads hit the GLB
    bool v_on_chip = false;
};

struct FlatDataflowRow {
    std::uint64_t heads = 0, e = 0, f = 0, p = 0, m = 0;
    std::string label;  // the table's model and seq_len columns ("XLM 32K"), for reports
    FlatDataflow dataflow;
};

// The dataflow FLAT uses for one job, and the table row it comes from.
struct FlatDataflowMatch {
    FlatDataflow dataflow;
    std::string row;     // the row's label
    bool exact = false;  // the row matches H, E, F, P and M (else: the nearest row)
};

// Reads flat_dataflow.csv (the reference's table). Errors name the file, line and column.
std::vector<FlatDataflowRow> load_flat_dataflow(const std::string& path);

// The row for this shape, matched on H, E, F, P and M. A shape the table does not list (other
// models, P != M, decode, grouped queries) takes, when `nearest`, the dataflow of the row closest
// to it: head dims first, then key length (FLAT's choices follow the score row a query holds, M
// keys long; heads and queries only repeat the work), in log2 distance, a tie to the longer row;
// rows whose dataflow `fits` refuses (what it keeps in the GLB would not fit) are passed over.
// Otherwise throws ConfigError naming the table.
FlatDataflowMatch flat_dataflow_for(const std::vector<FlatDataflowRow>& rows, const std::string& table, bool nearest,
                                    std::uint64_t heads, std::uint64_t e, std::uint64_t f, std::uint64_t p,
                                    std::uint64_t m, const std::function<bool(const FlatDataflow&)>& fits);

}  // namespace fusemax
