#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fusemax/config/cost_expr.h"
#include "fusemax/config/flat_dataflow.h"
#include "fusemax/config/gemm_shape.h"
#include "fusemax/energy/energy_table.h"
#include "fusemax/area/area_table.h"
#include "fusemax/program/ops.h"
#include "fusemax/program/programs.h"

namespace fusemax {

// What one PE or lane is built of, for the area model: its compute units (names of the area
// library's `units`: mac, max, divide, exp) and the depth of its register file in words.
struct PeComposition {
    std::vector<std::string> units;
    std::uint32_t reg_depth = 16;
};

struct Pe2dConfig {
    std::uint32_t rows = 256;  // keys per tile (M0)
    std::uint32_t cols = 256;  // queries per tile (P0)
    ExpActions exp{6, 1, 0};
    PeComposition pe{{"mac", "max"}, 16};
};

struct Pe1dConfig {
    std::uint32_t lanes = 256;  // one per query column
    ExpActions exp{6, 1, 0};
    PeComposition pe{{"mac", "max", "divide"}, 32};
};

struct GlbConfig {
    std::uint64_t capacity_bytes = 16ull << 20;
    std::uint32_t row_words = 256;
    std::uint32_t banks = 32;
};

// How the DRAM controller orders what is ready: `reads_first` posts writes into a write queue and
// serves reads ahead of them unless the queue is full (as real controllers do); `in_order` books
// every transfer as it is issued (writes compete with reads first come, first served).
enum class DramPolicy : std::uint8_t { ReadsFirst, InOrder };

struct DramConfig {
    double bandwidth_bytes_per_s = 400.0 * (1ull << 30);
    std::uint64_t latency_cycles = 100;
    std::uint32_t access_bytes = 8;  // one DRAM access moves 64 bits
    DramPolicy policy = DramPolicy::ReadsFirst;
    std::uint32_t write_queue = 64;  // posted writes (transfers) the controller holds
    // The channel's schedule keeps at most `schedule_intervals` busy intervals and gives up idle
    // time more than `schedule_window_cycles` behind the latest arrival: memory bounded whatever
    // the sequence length.
    std::uint32_t schedule_intervals = 4096;
    std::uint64_t schedule_window_cycles = std::uint64_t{1} << 24;
};
const char* policy_name(DramPolicy p);
// "reads_first" or "in_order"; nullopt for anything else.
std::optional<DramPolicy> parse_policy(const std::string& text);

// Where an op runs and what it costs there.
struct OpBinding {
    Op op = Op::QK;
    ArrayKind array = ArrayKind::Pe2d;
    CostExpr cycles;          // busy cycles of the array per op instance
    CostExpr result_latency;  // extra cycles before consumers see the result (not busy time)
    bool glb_write = false;   // the result tile is written to the GLB (for consumers on the other array)
    std::vector<Op> glb_reads;  // inputs this op reads back from the GLB rather than its registers
};

struct ScheduleConfig {
    // The design's attention program (models/program/programs.h): one_pass (FuseMax's cascade:
    // FuseMax, +Architecture, +Cascade), unfused (QK, 3-pass softmax and AV as three kernels through
    // DRAM) or flat (FLAT's fused per-query-tile dataflow).
    std::string program = "one_pass";
    std::vector<OpBinding> step_ops;  // one_pass: issue order within a tile step; each array runs its ops in this order
    OpBinding av;                     // one_pass: once per query tile, after its last key tile
    std::vector<OpBinding> ops;       // every op of the program (one_pass: step ops then AV), then the
                                      // GEMM's at their table defaults
    bool interleave = true;           // one_pass: may tile step i+1 start before step i drains?
    std::vector<Op> overlap_next;     // without interleave: ops of step i that may overlap step i+1

    const OpBinding& binding(Op op) const;
    const ProgramSpec& program_spec() const;
};

struct TilingConfig {
    // Keys and queries per tile (M0, P0): at most the 2D array's rows and columns; 0 = all of them.
    // A smaller tile leaves PEs idle but shrinks the GLB's K/V tiles and running state (one_pass).
    std::uint32_t m0 = 0, p0 = 0;
    std::uint32_t p1 = 0;  // query tiles per GLB block; 0 = chosen from the GLB size (reference section 5)
    // Grouped-query attention: a group's query heads stacked against their shared K/V head (each
    // K/V tile fetched once per group), or run head by head (once per query head).
    bool stack_groups = true;
    bool double_buffer = true;  // prefetch the next K/V tile and Q block into spare GLB space
    CostExpr query_words = CostExpr::parse("E + F + 2");  // GLB words held per query column
    // The GEMMs' mapping when a run gives none (fusemax-sim's --gemm-m0, --gemm-n0,
    // --gemm-block-rows win): tile rows and columns of Z, rows of A the GLB holds at once (0: the
    // array's rows, its columns, as many as fit).
    std::uint32_t gemm_m0 = 0, gemm_n0 = 0;
    std::uint64_t gemm_block_rows = 0;
    GemmOrder gemm_order = GemmOrder::Default;
};

struct FlatConfig {
    std::string dataflow_table;  // resolved path of the CSV
    std::vector<FlatDataflowRow> rows;
    bool nearest_outside_table = true;  // a shape the table lacks takes its nearest row (else refused)
};

// Ranges the loader accepts for the clock and the DRAM channel (see load_arch_config).
inline constexpr double kMinClockMhz = 1e-3, kMaxClockMhz = 1e5;
inline constexpr double kMinDramBytesPerCycle = 1e-3, kMaxDramBytesPerCycle = 1e9;
inline constexpr std::uint64_t kMaxDramLatencyCycles = 1000000000;
inline constexpr std::uint64_t kMaxGlbWords = 1ull << 29;

// One architecture: hardware parameters, op binding and costs, schedule and energy table.
struct ArchConfig {
    std::string name = "FuseMax";
    std::string design = "binding";
    std::string source;  // file it came from
    double clock_hz = 940e6;
    std::uint32_t word_bytes = 2;
    Pe2dConfig pe2d;
    Pe1dConfig pe1d;
    GlbConfig glb;
    DramConfig dram;
    ScheduleConfig schedule;
    TilingConfig tiling;
    FlatConfig flat;
    EnergyTable energy;       // attention's actions
    EnergyTable gemm_energy;  // the linear layers' (GEMM) actions: operands multicast over the array
    AreaTable area;           // area per instance (empty: no area model, area reported unavailable)
    std::vector<GlbEnergy> glb_energy;  // GLB energies by size, for a GLB the tables above do not cover
    // glb_model: fit: a GLB no table characterises is priced by fits over the sizes they do
    // (area/glb_fit.h), and the statistics say it is an estimate. table (default): no energy or
    // area for it.
    bool glb_fit = false;

    std::uint64_t glb_capacity_words() const { return glb.capacity_bytes / word_bytes; }
    std::uint64_t glb_row_bits() const { return std::uint64_t{glb.row_words} * word_bytes * 8; }
};

// Reads and validates an architecture YAML (configs/arch/*.yaml). The energy table it names is
// resolved relative to the architecture file. Errors are ConfigError naming file and key.
ArchConfig load_arch_config(const std::string& path);

// The directory holding the shipped configurations: $FUSEMAX_DATA_DIR, else the build's default.
std::string data_dir();
std::string default_arch_path();

// Hardware sizes given on a command line over the architecture file's (sweeps of bandwidth, GLB
// and write queue without a file per point). Checked as the file's keys are; a bad value throws
// ConfigError naming the flag.
struct HardwareOverrides {
    std::optional<double> dram_gib_per_s;
    std::optional<DramPolicy> dram_policy;
    std::optional<std::uint64_t> write_queue, glb_bytes;
    // The array-size sweep: a pe_dim x pe_dim 2D array, pe_dim 1D lanes and GLB rows of pe_dim
    // words; the register files' depths.
    std::optional<std::uint64_t> pe_dim, reg_depth_2d, reg_depth_1d;
};
void apply_overrides(ArchConfig& a, const HardwareOverrides& o, const std::string& tool);

// Why `table`'s energies do not hold for `a` (a GLB of another capacity or row width than the table
// was characterised for), or empty when they do.
std::string energy_coverage_problem(const ArchConfig& a, const EnergyTable& table);

// `table` priced for `a`'s GLB: its own GLB energies when it covers that size, else the GLB energy
// library's for the size; `problem` says why neither can (then no energy is reported).
struct ResolvedEnergy {
    EnergyTable table;
    std::string problem;
    std::string note;  // how an uncharacterised GLB was priced (glb_model: fit), or empty
};
ResolvedEnergy resolve_energy(const ArchConfig& a, const EnergyTable& table);

}  // namespace fusemax
