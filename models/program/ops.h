#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace fusemax {

// The operations of the attention cascade (reference section 2). The step ops run once per tile
// step (one key tile against one query tile); AV runs once per query tile after its last key tile.
// The 3-pass softmax of the Unfused and FLAT baselines adds MX (row max, pass 1), SN (exp) and SD
// (sum, pass 2), A (divide, pass 3) and AVM (the A V matmul, called "AV" in the reference's
// 3-pass description; AV here is always the 1-pass cascade's final divide). MM is a GEMM's tile op:
// an m0 x n0 block of Z = A W accumulated over a chunk of K.
enum class Op : std::uint8_t { QK, LM, RM, SLN, SLD, PRM, SPD, RD, SLNV, SPNV, RNV, AV, MX, SN, SD, A, AVM, MM };
inline constexpr std::size_t kOpCount = 18;
inline constexpr std::size_t kOnePassOpCount = 12;

enum class ArrayKind : std::uint8_t { Pe2d, Pe1d };
inline constexpr std::size_t kArrayCount = 2;

// Values an op leaves in its array's registers for the ops after it (forwarded to the other array
// or routed through the GLB when a consumer sits there).
enum class TileValue : std::uint8_t { QK, LM, RmOld, RmNew, SLN, SLD, PRM, SPD, RD, SLNV, SPNV, RNV, Z };
inline constexpr std::size_t kTileValueCount = 13;

// What an op reads from the GLB before it runs (operand tiles, running state) or writes there
// after it (running state). A GEMM's tile op reads an A tile [m][k] and a W tile [k][n].
enum class Operand : std::uint8_t { QTile, KTile, VTile, RunningMax, RunningDen, RunningNum, ATile, WTile };
inline constexpr std::size_t kOperandCount = 8;

inline constexpr std::size_t index_of(Op op) { return static_cast<std::size_t>(op); }
inline constexpr std::size_t index_of(ArrayKind a) { return static_cast<std::size_t>(a); }
inline constexpr std::size_t index_of(TileValue v) { return static_cast<std::size_t>(v); }
inline constexpr std::size_t index_of(Operand o) { return static_cast<std::size_t>(o); }

std::string_view op_name(Op op);
std::optional<Op> op_from_name(std::string_view name);
std::string_view array_name(ArrayKind array);
std::optional<ArrayKind> array_from_name(std::string_view name);

// Counts of primitive actions; the energy table prices each one.
struct ActionCounts {
    std::uint64_t mac = 0;
    std::uint64_t add = 0;
    std::uint64_t max = 0;
    std::uint64_t exp = 0;
    std::uint64_t divide = 0;

    ActionCounts& operator+=(const ActionCounts& o) {
        mac += o.mac; add += o.add; max += o.max; exp += o.exp; divide += o.divide;
        return *this;
    }
    ActionCounts operator-(const ActionCounts& o) const {
        return {mac - o.mac, add - o.add, max - o.max, exp - o.exp, divide - o.divide};
    }
    ActionCounts scaled(std::uint64_t k) const { return {mac * k, add * k, max * k, exp * k, divide * k}; }
    bool operator==(const ActionCounts& o) const {
        return mac == o.mac && add == o.add && max == o.max && exp == o.exp && divide == o.divide;
    }
    // The counts as statistics fields (see hw/observe/stat_group.h).
    template <class V>
    static void fields(V&& v) {
        v("macs", &ActionCounts::mac);
        v("adds", &ActionCounts::add);
        v("max_ops", &ActionCounts::max);
        v("exp_ops", &ActionCounts::exp);
        v("divides", &ActionCounts::divide);
    }
};

// How one exp(x - m) is carried out by an array: FuseMax PEs evaluate a Taylor polynomial with
// MACs; FLAT's 1D array has an exp unit. The subtract is the add in both.
struct ExpActions {
    std::uint32_t mac = 0;
    std::uint32_t add = 0;
    std::uint32_t exp = 0;
};

// The size of one op instance: valid key rows and query columns of the tile, and head dims. For
// MM: valid rows of A and Z (m), valid columns of W and Z (n), and the K chunk it covers (e).
struct OpExtent {
    std::uint32_t rows = 0;  // valid keys (m0)
    std::uint32_t cols = 0;  // valid queries (p0)
    std::uint32_t e = 0;
    std::uint32_t f = 0;

    // Compared on every op (the arrays' cost records): as two 64-bit words.
    bool operator==(const OpExtent& o) const {
        std::uint64_t a[2], b[2];
        std::memcpy(a, this, sizeof a);
        std::memcpy(b, &o, sizeof b);
        return a[0] == b[0] && a[1] == b[1];
    }
};
static_assert(sizeof(OpExtent) == 16, "OpExtent compares as two 64-bit words");

// Which keys the queries of a tile see, for causal and sliding-window attention (FlashAttention's
// bottom-right alignment): query q (global index, from 0) sees key k when k <= q + diagonal and, with
// a window W, k > q + diagonal - W; diagonal = M - P. Inactive: every key is visible.
struct KeyMask {
    bool active = false;
    std::int64_t diagonal = 0;
    std::uint64_t window = 0;            // 0: no window (causal only)
    std::uint64_t key0 = 0, query0 = 0;  // the tile's first key and first query
    // Queries of several heads stacked in one query dimension (grouped-query attention): a query's
    // position is its index modulo the period (0: not stacked).
    std::uint64_t period = 0;

    bool visible(std::uint64_t key, std::uint64_t query) const {
        if (!active) return true;
        if (period) query %= period;
        const std::int64_t last = std::int64_t(query) + diagonal;  // the last key query sees
        const std::int64_t k = std::int64_t(key);
        return k <= last && (window == 0 || k > last - std::int64_t(window));
    }
    // The keys [first, last] that some query of [q_begin, q_end) sees among `keys` keys (a query
    // range that wraps past a period covers every position up to its end's). Without a mask: all.
    std::pair<std::uint64_t, std::uint64_t> seen_keys(std::uint64_t q_begin, std::uint64_t q_end,
                                                      std::uint64_t keys) const {
        if (!active) return {0, keys - 1};
        if (period) {
            const bool wraps = q_begin / period != (q_end - 1) / period;
            q_begin = wraps ? 0 : q_begin % period;
            q_end = wraps ? period : (q_end - 1) % period + 1;
        }
        const std::int64_t last = std::min<std::int64_t>(std::int64_t(q_end) - 1 + diagonal, std::int64_t(keys) - 1);
        const std::int64_t first =
            window ? std::max<std::int64_t>(0, std::int64_t(q_begin) + diagonal - std::int64_t(window) + 1) : 0;
        return {std::uint64_t(first), std::uint64_t(last)};
    }
};

// How much of something an op instance or a register holds, in terms of its extent: a score tile
// (rows x cols), one per query column (cols), F per query column (f x cols), a query-major operand
// (cols x e), key-major operands (rows x e, rows x f), or nothing.
enum class Size : std::uint8_t { None, Scores, Cols, ColsF, ColsE, RowsE, RowsF, ScoresE, ScoresF };
// Inline: on every op's and GLB access's path.
inline std::uint64_t size_of(Size s, std::uint64_t rows, std::uint64_t cols, std::uint64_t e, std::uint64_t f) {
    switch (s) {
        case Size::None: return 0;
        case Size::Scores: return rows * cols;
        case Size::Cols: return cols;
        case Size::ColsF: return cols * f;
        case Size::ColsE: return cols * e;
        case Size::RowsE: return rows * e;
        case Size::RowsF: return rows * f;
        case Size::ScoresE: return rows * cols * e;
        case Size::ScoresF: return rows * cols * f;
    }
    return 0;
}

class TileRegisters;
// An op's arithmetic on one array's registers (functional mode), on the valid x.rows x x.cols part
// of the tile. `first`: the running state starts at its identity (first key tile). `out`: where an
// op with an output to memory writes it (AV: the O tile [p][f]).
using Kernel = void (*)(TileRegisters& r, const OpExtent& x, bool first, float* out);

// Everything the model knows about one op, in one row of one table: the datapath, the PE arrays,
// the dependency tracking of the programs and the energy accounting all read it.
struct OpSpec {
    Op op;
    std::string_view name;
    std::vector<Op> inputs;          // ops of the same tile step whose results it reads
    std::vector<TileValue> outputs;  // values it leaves in registers
    std::vector<Operand> reads;      // fetched from the GLB when it starts
    std::vector<Operand> writes;     // written to the GLB when it ends (running state)
    // Actions per instance: the size each kind scales with; exps are exp(x - m) evaluations, charged
    // as the array's ExpActions.
    Size macs = Size::None, adds = Size::None, maxes = Size::None, divides = Size::None, exps = Size::None;
    std::string_view default_cycles;  // cycle cost when a configuration gives none (FuseMax's)
    Kernel kernel = nullptr;          // null: the op runs in timing mode only (the 3-pass ops)
    ArrayKind default_array = ArrayKind::Pe2d;  // where it runs when a configuration does not say
    Size output = Size::None;         // what it writes to `out` for memory (AV: the O tile; MM: a Z block)
    // Its e is a chunk of a longer reduction, at most the array's rows (MM's K chunk): registers are
    // sized for that bound, so that a ragged last chunk does not reshape them mid-accumulation.
    bool e_is_chunk = false;
};

const OpSpec& op_spec(Op op);

// Sizes of a register value and of a GLB operand.
Size value_size(TileValue v);
Size operand_size(Operand o);

// The ops whose results `op` reads within a tile step (the 1-pass cascade's dataflow, reference
// section 2). Running state carried between key tiles (RM, RD, RNV) is not listed here.
const std::vector<Op>& op_inputs(Op op);

// Words of the single result an op leaves in an array with `cols` columns, as the registers hold
// it; zero for ops whose result cannot be routed through the GLB (RM has two, AV and the 3-pass
// ops none).
std::uint64_t op_result_words(Op op, std::uint64_t rows, std::uint64_t cols, std::uint64_t f);

// Ops of the 3-pass program (QK, MX, SN, SD, A, AVM) or of the GEMM (MM): no running state.
bool is_three_pass_op(Op op);

// Primitive actions one op instance performs (reference sections 2 and 6).
ActionCounts op_actions(Op op, const OpExtent& x, const ExpActions& exp);

// Which action kinds an op uses, so a configuration can be checked against an energy table.
ActionCounts op_action_kinds(Op op, const ExpActions& exp);

}  // namespace fusemax
