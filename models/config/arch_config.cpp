#include "fusemax/config/arch_config.h"
#include "fusemax/config/gemm_shape.h"
#include "fusemax/area/glb_fit.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "fusemax/config/config_error.h"
#include "fusemax/config/workload.h"
#include "fusemax/config/yaml_map.h"

#ifndef FUSEMAX_DEFAULT_DATA_DIR
#define FUSEMAX_DEFAULT_DATA_DIR "configs"
#endif
#ifndef FUSEMAX_INSTALL_DATA_DIR
#define FUSEMAX_INSTALL_DATA_DIR "/usr/local/share/fusemax/configs"
#endif

namespace fusemax {

const char* policy_name(DramPolicy p) { return p == DramPolicy::ReadsFirst ? "reads_first" : "in_order"; }

std::optional<DramPolicy> parse_policy(const std::string& text) {
    if (text == "reads_first") return DramPolicy::ReadsFirst;
    if (text == "in_order") return DramPolicy::InOrder;
    return std::nullopt;
}

namespace {

std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Empty when `gib` GiB/s is a bandwidth the channel model takes at `clock_hz`; else what is wrong.
std::string bandwidth_problem(double gib, double clock_hz) {
    const double per_cycle = gib * double(1ull << 30) / clock_hz;
    if (per_cycle >= kMinDramBytesPerCycle && per_cycle <= kMaxDramBytesPerCycle) return {};
    return "expected " + format_number(kMinDramBytesPerCycle) + " to " + format_number(kMaxDramBytesPerCycle) +
           " bytes per cycle at " + format_number(clock_hz / 1e6) + " MHz, got " + format_number(gib) + " GiB/s (" +
           format_number(per_cycle) + " bytes per cycle)";
}

std::string glb_problem(std::uint64_t bytes, std::uint32_t word_bytes) {
    if (bytes < word_bytes) return "expected at least one word";
    if (bytes / word_bytes > kMaxGlbWords)
        return "expected at most 2^29 words (" + std::to_string(kMaxGlbWords * word_bytes) + " bytes with " +
               std::to_string(word_bytes) + "-byte words)";
    return {};
}

}  // namespace

// Only the GLB's energies depend on a size the configuration sets (capacity and row width): DRAM
// and compute energies are per access or action, and register files are not counted (as in the
// published accounting), so their depth and the arrays' sizes change no energy per action.
std::string energy_coverage_problem(const ArchConfig& a, const EnergyTable& t) {
    const EnergyCovers& c = t.covers;
    const std::uint64_t row_bits = a.glb_row_bits();
    const bool bytes_differ = c.glb_bytes && c.glb_bytes != a.glb.capacity_bytes;
    const bool rows_differ = c.glb_row_bits && c.glb_row_bits != row_bits;
    if (!bytes_differ && !rows_differ) return {};
    return "energy table " + t.name + " covers a " + std::to_string(c.glb_bytes) + "-byte GLB with " +
           std::to_string(c.glb_row_bits) + "-bit rows, not " + std::to_string(a.glb.capacity_bytes) + " bytes with " +
           std::to_string(row_bits) + "-bit rows";
}

ResolvedEnergy resolve_energy(const ArchConfig& a, const EnergyTable& table) {
    ResolvedEnergy r{table, energy_coverage_problem(a, table), ""};
    if (r.problem.empty()) return r;
    const std::uint64_t row_bits = a.glb_row_bits();
    for (const GlbEnergy& g : a.glb_energy)
        if (g.capacity_bytes == a.glb.capacity_bytes && g.row_bits == row_bits) {
            r.table.glb_read_pj = g.read_pj;
            r.table.glb_write_pj = g.write_pj;
            r.table.covers.glb_bytes = g.capacity_bytes;
            r.table.covers.glb_row_bits = g.row_bits;
            r.problem.clear();
            return r;
        }
    if (a.glb_fit)
        if (const auto fit = fit_glb_energy(a.glb_energy, a.glb.capacity_bytes, row_bits)) {
            r.table.glb_read_pj = fit->read_pj;
            r.table.glb_write_pj = fit->write_pj;
            r.problem.clear();
            r.note = "GLB energy fitted (glb_model: fit): energy per bit linear in capacity over the " +
                     std::to_string(a.glb_energy.size()) + " sizes the GLB energy table lists";
            return r;
        }
    if (!a.glb_energy.empty()) r.problem += ", nor does the GLB energy table list that size";
    return r;
}

void apply_overrides(ArchConfig& a, const HardwareOverrides& o, const std::string& tool) {
    auto check = [&tool](const char* flag, const std::string& problem) {
        if (!problem.empty()) throw ConfigError(tool + ": --" + flag + ": " + problem);
    };
    if (o.dram_gib_per_s) {
        check("dram-gib-per-s", bandwidth_problem(*o.dram_gib_per_s, a.clock_hz));
        a.dram.bandwidth_bytes_per_s = *o.dram_gib_per_s * double(1ull << 30);
    }
    if (o.dram_policy) a.dram.policy = *o.dram_policy;
    if (o.write_queue) {
        check("write-queue", *o.write_queue > (1u << 20) ? "expected 1 to 1048576 transfers" : "");
        a.dram.write_queue = static_cast<std::uint32_t>(*o.write_queue);
    }
    if (o.glb_bytes) {
        check("glb-bytes", glb_problem(*o.glb_bytes, a.word_bytes));
        a.glb.capacity_bytes = *o.glb_bytes;
    }
    if (o.pe_dim) {
        check("pe-dim", *o.pe_dim > 65536 ? "expected 1 to 65536" : "");
        a.pe2d.rows = a.pe2d.cols = a.pe1d.lanes = a.glb.row_words = static_cast<std::uint32_t>(*o.pe_dim);
    }
    auto depth = [&check](const char* flag, std::uint64_t v) {
        check(flag, v > (1u << 20) ? "expected 1 to 1048576 words" : "");
        return static_cast<std::uint32_t>(v);
    };
    if (o.reg_depth_2d) a.pe2d.pe.reg_depth = depth("reg-depth-2d", *o.reg_depth_2d);
    if (o.reg_depth_1d) a.pe1d.pe.reg_depth = depth("reg-depth-1d", *o.reg_depth_1d);
}

namespace {

PeComposition read_composition(const YamlMap& m, const PeComposition& fallback) {
    PeComposition pe = fallback;
    if (m.has("units")) pe.units = m.string_list("units");
    pe.reg_depth = static_cast<std::uint32_t>(m.int_in("reg_depth", 1, 1u << 20, fallback.reg_depth));
    return pe;
}

ExpActions read_exp(const YamlMap& parent, const ExpActions& fallback) {
    if (!parent.has("exp")) return fallback;
    const YamlMap m = parent.map("exp");
    m.only_keys({"mac", "add", "exp"});
    auto count = [&m](const char* key) {
        const std::uint64_t v = m.non_negative_int(key, 0);
        if (v > 1000) m.fail(key, "expected at most 1000 actions per exp, got " + std::to_string(v));
        return static_cast<std::uint32_t>(v);
    };
    ExpActions e{count("mac"), count("add"), count("exp")};
    if (e.mac + e.add + e.exp == 0) m.fail_here("expected at least one action per exp");
    return e;
}

CostExpr read_cost(const YamlMap& m, std::string_view key, const char* fallback) {
    std::string text = fallback;
    if (m.has(key)) {
        const YAML::Node n = m.node()[std::string(key)];
        if (!n.IsScalar()) m.fail(key, "expected a cycle expression");
        text = n.Scalar();
    }
    try {
        return CostExpr::parse(text);
    } catch (const std::invalid_argument& e) {
        m.fail(key, std::string("expected a cycle expression over E, F, ROWS, COLS, LANES (") + e.what() + "), got '" +
                        text + "'");
    }
}

std::string op_list(const ProgramSpec& p) {
    std::string out;
    for (Op op : p.ops) out += (out.empty() ? "" : ", ") + std::string(op_name(op));
    return out;
}

OpBinding read_binding(const YamlMap& m, const ProgramSpec& program) {
    m.only_keys({"op", "array", "cycles", "result_latency", "glb_write", "glb_reads"});
    OpBinding b;
    const std::string name = m.string("op");
    const auto op = op_from_name(name);
    const auto& allowed = program.ops;
    if (!op || std::find(allowed.begin(), allowed.end(), *op) == allowed.end())
        m.fail("op", "unknown op '" + name + "' for this program (expected one of " + op_list(program) + ")");
    b.op = *op;
    const std::string array = m.string("array");
    const auto kind = array_from_name(array);
    if (!kind) m.fail("array", "expected pe2d or pe1d, got '" + array + "'");
    b.array = *kind;
    b.cycles = read_cost(m, "cycles", std::string(op_spec(b.op).default_cycles).c_str());
    b.result_latency = read_cost(m, "result_latency", "0");
    b.glb_write = m.boolean("glb_write", false);
    if ((b.glb_write || m.has("glb_reads")) && !program.tile_step_dataflow)
        m.fail(b.glb_write ? "glb_write" : "glb_reads",
               "only meaningful with schedule.program: one_pass (the 3-pass programs place their own tiles)");
    if (b.glb_write && op_result_words(b.op, 1, 1, 1) == 0)
        m.fail("glb_write", "op " + name + " cannot be routed through the GLB (" +
                                (b.op == Op::RM ? "it has two results, the old and the new running max"
                                                : "it writes O to DRAM") + ")");
    if (m.has("glb_reads")) {
        const auto inputs = op_inputs(b.op);
        for (const std::string& in : m.string_list("glb_reads")) {
            const auto producer = op_from_name(in);
            if (!producer || std::find(inputs.begin(), inputs.end(), *producer) == inputs.end())
                m.fail("glb_reads", "'" + in + "' is not an input of op " + name);
            b.glb_reads.push_back(*producer);
        }
    }
    return b;
}

ScheduleConfig read_schedule(const YamlMap& s) {
    s.only_keys({"program", "interleave", "overlap_next", "ops"});
    ScheduleConfig out;
    out.program = s.string("program");
    const ProgramSpec* program = find_program(out.program);
    if (!program) s.fail("program", "expected one of " + program_names() + ", got '" + out.program + "'");
    out.interleave = s.boolean("interleave", true);

    std::array<bool, kOpCount> seen{};
    std::size_t index = 0;
    for (const YAML::Node& item : s.list("ops")) {
        const YamlMap m(item, s.file(), s.key_path("ops[" + std::to_string(index++) + "]"));
        const OpBinding b = read_binding(m, *program);
        if (seen[index_of(b.op)]) m.fail("op", "op '" + std::string(op_name(b.op)) + "' is listed twice");
        // Each array runs its ops in list order, so a one-pass op must follow the ops it reads.
        if (program->tile_step_dataflow)
            for (Op in : op_inputs(b.op))
                if (!seen[index_of(in)])
                    m.fail("op", "op '" + std::string(op_name(b.op)) + "' is listed before its input '" +
                                     std::string(op_name(in)) + "'");
        seen[index_of(b.op)] = true;
        out.ops.push_back(b);
        if (!program->tile_step_dataflow) continue;
        if (b.op == Op::AV) out.av = b;
        else out.step_ops.push_back(b);
    }
    for (Op op : program->ops)
        if (!seen[index_of(op)]) s.fail("ops", "op '" + std::string(op_name(op)) + "' is missing");
    for (const OpBinding& b : out.ops)
        for (Op in : b.glb_reads)
            if (!out.binding(in).glb_write)
                s.fail("ops", "op " + std::string(op_name(b.op)) + " reads " + std::string(op_name(in)) +
                                  " from the GLB, but " + std::string(op_name(in)) + " has no glb_write");

    if (s.has("overlap_next")) {
        for (const std::string& name : s.string_list("overlap_next")) {
            const auto op = op_from_name(name);
            if (!op) s.fail("overlap_next", "unknown op '" + name + "'");
            out.overlap_next.push_back(*op);
        }
    }
    if (out.interleave && !out.overlap_next.empty())
        s.fail("overlap_next", "only meaningful with interleave: false");
    return out;
}

}  // namespace

const OpBinding& ScheduleConfig::binding(Op op) const {
    for (const OpBinding& b : ops)
        if (b.op == op) return b;
    throw std::logic_error("op " + std::string(op_name(op)) + " is not bound");
}

const ProgramSpec& ScheduleConfig::program_spec() const {
    const ProgramSpec* p = find_program(program);
    if (!p) throw std::logic_error("unknown program " + program);
    return *p;
}


// The build's source tree when it is still there, else where `cmake --install` put the configs.
std::string data_dir() {
    if (const char* env = std::getenv("FUSEMAX_DATA_DIR"); env && *env) return env;
    if (std::filesystem::exists(FUSEMAX_DEFAULT_DATA_DIR)) return FUSEMAX_DEFAULT_DATA_DIR;
    return FUSEMAX_INSTALL_DATA_DIR;
}

std::string default_arch_path() { return data_dir() + "/arch/fusemax.yaml"; }

// `base: other.yaml` makes a file a set of changes to another: mappings merge key by key, anything
// else (values, lists) replaces what the base had.
YAML::Node merge(const YAML::Node& base, const YAML::Node& over, const std::string& path) {
    if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
    YAML::Node out = YAML::Clone(base);
    for (const auto& kv : over) {
        if (!kv.first.IsScalar())
            throw ConfigError(path + ":" + std::to_string(kv.first.Mark().line + 1) + ": expected plain keys, got a " +
                              (kv.first.IsMap() ? "mapping" : "list") + " as a key");
        const std::string key = kv.first.Scalar();
        out[key] = out[key] ? merge(out[key], kv.second, path) : YAML::Clone(kv.second);
    }
    return out;
}

// A file's paths are relative to that file: a base's own paths are made absolute before a child
// (possibly in another folder) merges over it.
void resolve_paths(YAML::Node& doc, const std::filesystem::path& dir) {
    auto resolve = [&dir](YAML::Node node) {
        if (!node || !node.IsScalar() || node.Scalar().empty()) return;
        const std::filesystem::path p(node.Scalar());
        if (p.is_relative()) node = std::filesystem::absolute(dir / p).lexically_normal().string();
    };
    resolve(doc["energy_table"]);
    resolve(doc["gemm_energy_table"]);
    resolve(doc["area_table"]);
    resolve(doc["glb_energy_table"]);
    if (doc["flat"] && doc["flat"].IsMap()) resolve(doc["flat"]["dataflow_table"]);
}

YAML::Node load_with_base(const std::string& path, const std::string& what, int depth = 0) {
    YAML::Node doc = load_yaml_file(path, what);
    if (!doc["base"]) return doc;
    if (depth > 8) throw ConfigError(path + ": key 'base': chain of base files too deep (a cycle?)");
    const YAML::Node b = doc["base"];
    if (!b.IsScalar() || b.Scalar().empty()) throw ConfigError(path + ": key 'base': expected a file name");
    const std::filesystem::path base_path = std::filesystem::path(path).parent_path() / b.Scalar();
    YAML::Node base = load_with_base(base_path.string(), "base of " + path, depth + 1);
    resolve_paths(base, base_path.parent_path());
    YAML::Node merged = merge(base, doc, path);
    merged.remove("base");
    return merged;
}

static ArchConfig parse_arch_config(const std::string& path);

ArchConfig load_arch_config(const std::string& path) {
    try {
        return parse_arch_config(path);
    } catch (const YAML::Exception& e) {
        throw yaml_error(path, e);
    }
}

static ArchConfig parse_arch_config(const std::string& path) {
    const YamlMap doc(load_with_base(path, "architecture"), path, "");
    doc.only_keys({"name", "design", "clock_mhz", "word_bytes", "pe2d", "pe1d", "glb", "dram", "energy_table",
                   "gemm_energy_table", "area_table", "glb_energy_table", "glb_model", "tiling", "schedule", "flat"});
    ArchConfig a;
    a.source = path;
    a.name = doc.string("name");
    a.design = doc.string("design", a.name);
    const double mhz = doc.positive_number("clock_mhz");
    // Simulated time has a 1 ps resolution: the period must be at least 10 ps (so that rounding it
    // to whole picoseconds is within 5%), and at most 1 ms so that long jobs fit in SystemC's time.
    if (mhz < kMinClockMhz || mhz > kMaxClockMhz)
        doc.fail("clock_mhz", "expected " + format_number(kMinClockMhz) + " to " + format_number(kMaxClockMhz) +
                                  " MHz (a period of 10 ps to 1 ms), got " + format_number(mhz));
    a.clock_hz = mhz * 1e6;
    a.word_bytes = static_cast<std::uint32_t>(doc.int_in("word_bytes", 1, 8, 2));

    const YamlMap pe2d = doc.map("pe2d");
    pe2d.only_keys({"rows", "cols", "exp", "units", "reg_depth"});
    a.pe2d.rows = static_cast<std::uint32_t>(pe2d.int_in("rows", 1, 65536));
    a.pe2d.cols = static_cast<std::uint32_t>(pe2d.int_in("cols", 1, 65536));
    a.pe2d.exp = read_exp(pe2d, a.pe2d.exp);
    a.pe2d.pe = read_composition(pe2d, a.pe2d.pe);

    const YamlMap pe1d = doc.map("pe1d");
    pe1d.only_keys({"lanes", "exp", "units", "reg_depth"});
    a.pe1d.lanes = static_cast<std::uint32_t>(pe1d.int_in("lanes", 1, 65536));
    if (a.pe1d.lanes != a.pe2d.cols)
        pe1d.fail("lanes", "expected one lane per 2D column (" + std::to_string(a.pe2d.cols) + "), got " +
                               std::to_string(a.pe1d.lanes));
    a.pe1d.exp = read_exp(pe1d, a.pe1d.exp);
    a.pe1d.pe = read_composition(pe1d, a.pe1d.pe);

    const YamlMap glb = doc.map("glb");
    glb.only_keys({"capacity_bytes", "row_words", "banks"});
    a.glb.capacity_bytes = glb.positive_int("capacity_bytes");
    a.glb.row_words = static_cast<std::uint32_t>(glb.int_in("row_words", 1, 65536, 256));
    a.glb.banks = static_cast<std::uint32_t>(glb.int_in("banks", 1, 65536, 1));
    // The GLB is word-addressed with one 4-byte slot per word in its TLM address space, and one
    // access may cover all of it: keep that within a transaction's 32-bit length.
    if (const std::string problem = glb_problem(a.glb.capacity_bytes, a.word_bytes); !problem.empty())
        glb.fail("capacity_bytes", problem);

    const YamlMap dram = doc.map("dram");
    dram.only_keys({"bandwidth_gib_per_s", "latency_cycles", "access_bytes", "policy", "write_queue",
                    "schedule_intervals", "schedule_window_cycles"});
    const double gib = dram.positive_number("bandwidth_gib_per_s");
    a.dram.bandwidth_bytes_per_s = gib * double(1ull << 30);
    if (const std::string problem = bandwidth_problem(gib, a.clock_hz); !problem.empty())
        dram.fail("bandwidth_gib_per_s", problem);
    a.dram.latency_cycles = dram.non_negative_int("latency_cycles", 0);
    if (a.dram.latency_cycles > kMaxDramLatencyCycles)
        dram.fail("latency_cycles", "expected at most " + std::to_string(kMaxDramLatencyCycles) + " cycles");
    a.dram.access_bytes = static_cast<std::uint32_t>(dram.int_in("access_bytes", 1, 4096, 8));
    const std::string policy = dram.string("policy", "reads_first");
    const auto parsed = parse_policy(policy);
    if (!parsed) dram.fail("policy", "expected reads_first or in_order, got '" + policy + "'");
    a.dram.policy = *parsed;
    a.dram.write_queue = static_cast<std::uint32_t>(dram.int_in("write_queue", 1, 1u << 20, 64));
    a.dram.schedule_intervals = static_cast<std::uint32_t>(dram.int_in("schedule_intervals", 1, 1u << 20, 4096));
    a.dram.schedule_window_cycles = dram.int_in("schedule_window_cycles", 1, std::uint64_t{1} << 40, std::uint64_t{1} << 24);

    if (doc.has("tiling")) {
        const YamlMap t = doc.map("tiling");
        t.only_keys({"m0", "p0", "p1", "double_buffer", "stack_groups", "query_words", "gemm_m0", "gemm_n0",
                     "gemm_block_rows", "gemm_order"});
        const std::string order = t.string("gemm_order", "a_blocks");
        if (order != "a_blocks" && order != "w_tiles") t.fail("gemm_order", "expected a_blocks or w_tiles, got '" + order + "'");
        a.tiling.gemm_order = order == "w_tiles" ? GemmOrder::WTiles : GemmOrder::ABlocks;
        a.tiling.stack_groups = t.boolean("stack_groups", true);
        a.tiling.m0 = static_cast<std::uint32_t>(t.int_in("m0", 1, a.pe2d.rows, 0));
        a.tiling.p0 = static_cast<std::uint32_t>(t.int_in("p0", 1, a.pe2d.cols, 0));
        a.tiling.query_words = read_cost(t, "query_words", "E + F + 2");
        if (t.has("p1") && t.node()["p1"].IsScalar() && t.node()["p1"].Scalar() == "auto") a.tiling.p1 = 0;
        else a.tiling.p1 = static_cast<std::uint32_t>(t.int_in("p1", 1, kMaxSeqLen, 0));
        a.tiling.double_buffer = t.boolean("double_buffer", true);
        a.tiling.gemm_m0 = static_cast<std::uint32_t>(t.int_in("gemm_m0", 1, kMaxGemmDim, 0));
        a.tiling.gemm_n0 = static_cast<std::uint32_t>(t.int_in("gemm_n0", 1, kMaxGemmDim, 0));
        a.tiling.gemm_block_rows = t.int_in("gemm_block_rows", 1, kMaxGemmDim, 0);
    }

    a.schedule = read_schedule(doc.map("schedule"));
    if ((a.tiling.m0 || a.tiling.p0) && a.schedule.program != "one_pass")
        doc.fail(a.tiling.m0 ? "tiling.m0" : "tiling.p0",
                 "tiles smaller than the array are a mapping of the one_pass program only (this design runs " +
                     a.schedule.program + ")");
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (a.schedule.program_spec().needs_flat_table) {
        const YamlMap flat = doc.map("flat");
        flat.only_keys({"dataflow_table", "outside_table"});
        a.flat.dataflow_table = (dir / flat.string("dataflow_table")).lexically_normal().string();
        const std::string outside = flat.string("outside_table", "nearest");
        if (outside != "nearest" && outside != "refuse")
            flat.fail("outside_table", "expected nearest or refuse, got '" + outside + "'");
        a.flat.nearest_outside_table = outside == "nearest";
        a.flat.rows = load_flat_dataflow(a.flat.dataflow_table);
    } else if (doc.has("flat")) {
        doc.fail("flat", "only meaningful with schedule.program: flat");
    }

    const std::string table = doc.string("energy_table");
    a.energy = load_energy_table((dir / table).lexically_normal().string(), "energy_table of " + path);
    a.gemm_energy = doc.has("gemm_energy_table")
                        ? load_energy_table((dir / doc.string("gemm_energy_table")).lexically_normal().string(),
                                            "gemm_energy_table of " + path)
                        : a.energy;
    if (doc.has("area_table"))
        a.area = load_area_table((dir / doc.string("area_table")).lexically_normal().string(), "area_table of " + path);
    const std::string glb_model = doc.string("glb_model", "table");
    if (glb_model != "table" && glb_model != "fit") doc.fail("glb_model", "expected table or fit, got '" + glb_model + "'");
    a.glb_fit = glb_model == "fit";
    if (doc.has("glb_energy_table"))
        a.glb_energy = load_glb_energy_table((dir / doc.string("glb_energy_table")).lexically_normal().string(),
                                             "glb_energy_table of " + path);
    // The GEMM's ops run on the array and at the cost their table row gives.
    for (Op op : find_program("gemm")->ops) {
        OpBinding b;
        b.op = op;
        b.array = op_spec(op).default_array;
        b.cycles = CostExpr::parse(std::string(op_spec(op).default_cycles));
        b.result_latency = CostExpr::constant(0);
        a.schedule.ops.push_back(b);
    }
    auto check_prices = [&](const OpBinding& b, const EnergyTable& table) {
        const ExpActions& exp = b.array == ArrayKind::Pe2d ? a.pe2d.exp : a.pe1d.exp;
        if (auto missing = table.missing_action(b.array, op_action_kinds(b.op, exp)))
            doc.fail("energy_table", "table '" + table.name + "' has no " + std::string(array_name(b.array)) + " '" +
                                         *missing + "' energy, which op " + std::string(op_name(b.op)) + " needs");
    };
    for (const OpBinding& b : a.schedule.ops) check_prices(b, b.op == Op::MM ? a.gemm_energy : a.energy);
    return a;
}

}  // namespace fusemax
