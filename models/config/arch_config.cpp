#include "config/arch_config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "config/config_error.h"
#include "config/yaml_map.h"

#ifndef FUSEMAX_DEFAULT_DATA_DIR
#define FUSEMAX_DEFAULT_DATA_DIR "configs"
#endif

namespace fusemax {
namespace {

ExpActions read_exp(const YamlMap& parent, const ExpActions& fallback) {
    if (!parent.has("exp")) return fallback;
    const YamlMap m = parent.map("exp");
    m.only_keys({"mac", "add", "exp"});
    ExpActions e{static_cast<std::uint32_t>(m.non_negative_int("mac", 0)),
                 static_cast<std::uint32_t>(m.non_negative_int("add", 0)),
                 static_cast<std::uint32_t>(m.non_negative_int("exp", 0))};
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

Op read_op_name(const YamlMap& m, std::string_view key, const std::string& text) {
    const auto op = op_from_name(text);
    if (!op)
        m.fail(key, "unknown op '" + text + "' (expected QK, LM, RM, SLN, SLD, PRM, SPD, RD, SLNV, SPNV, RNV or AV)");
    return *op;
}

ScheduleConfig read_schedule(const YamlMap& s) {
    s.only_keys({"program", "interleave", "overlap_next", "ops"});
    ScheduleConfig out;
    const std::string program = s.string("program");
    if (program != "one_pass") s.fail("program", "expected 'one_pass', got '" + program + "'");
    out.program = Program::OnePass;
    out.interleave = s.boolean("interleave", true);

    std::array<bool, kOpCount> seen{};
    std::size_t index = 0;
    for (const YAML::Node& item : s.list("ops")) {
        const YamlMap m(item, s.file(), s.key_path("ops[" + std::to_string(index++) + "]"));
        m.only_keys({"op", "array", "cycles", "result_latency"});
        OpBinding b;
        b.op = read_op_name(m, "op", m.string("op"));
        const std::string array = m.string("array");
        const auto kind = array_from_name(array);
        if (!kind) m.fail("array", "expected pe2d or pe1d, got '" + array + "'");
        b.array = *kind;
        b.cycles = read_cost(m, "cycles", "1");
        b.result_latency = read_cost(m, "result_latency", "0");
        if (seen[index_of(b.op)]) m.fail("op", "op '" + std::string(op_name(b.op)) + "' is listed twice");
        for (Op in : op_inputs(b.op))
            if (!seen[index_of(in)])
                m.fail("op", "op '" + std::string(op_name(b.op)) + "' is listed before its input '" +
                                 std::string(op_name(in)) + "'");
        seen[index_of(b.op)] = true;
        if (b.op == Op::AV) out.av = b;
        else out.step_ops.push_back(b);
    }
    for (std::size_t i = 0; i < kOpCount; ++i)
        if (!seen[i]) s.fail("ops", "op '" + std::string(op_name(static_cast<Op>(i))) + "' is missing");

    if (s.has("overlap_next")) {
        for (const std::string& name : s.string_list("overlap_next"))
            out.overlap_next.push_back(read_op_name(s, "overlap_next", name));
    }
    if (out.interleave && !out.overlap_next.empty())
        s.fail("overlap_next", "only meaningful with interleave: false");
    return out;
}

}  // namespace

const OpBinding& ScheduleConfig::binding(Op op) const {
    if (op == Op::AV) return av;
    for (const OpBinding& b : step_ops)
        if (b.op == op) return b;
    throw std::logic_error("op not bound");
}

std::string data_dir() {
    if (const char* env = std::getenv("FUSEMAX_DATA_DIR"); env && *env) return env;
    return FUSEMAX_DEFAULT_DATA_DIR;
}

std::string default_arch_path() { return data_dir() + "/arch/fusemax.yaml"; }

ArchConfig load_arch_config(const std::string& path) {
    const YamlMap doc(load_yaml_file(path), path, "");
    doc.only_keys({"name", "design", "clock_mhz", "word_bytes", "pe2d", "pe1d", "glb", "dram", "energy_table",
                   "tiling", "schedule"});
    ArchConfig a;
    a.source = path;
    a.name = doc.string("name");
    a.design = doc.string("design", a.name);
    a.clock_hz = doc.positive_number("clock_mhz") * 1e6;
    a.word_bytes = static_cast<std::uint32_t>(doc.positive_int("word_bytes", 2));
    if (a.word_bytes > 8) doc.fail("word_bytes", "expected 1 to 8 bytes per word");

    const YamlMap pe2d = doc.map("pe2d");
    pe2d.only_keys({"rows", "cols", "exp"});
    a.pe2d.rows = static_cast<std::uint32_t>(pe2d.positive_int("rows"));
    a.pe2d.cols = static_cast<std::uint32_t>(pe2d.positive_int("cols"));
    if (a.pe2d.rows > 65536 || a.pe2d.cols > 65536) pe2d.fail_here("expected at most 65536 rows and columns");
    a.pe2d.exp = read_exp(pe2d, a.pe2d.exp);

    const YamlMap pe1d = doc.map("pe1d");
    pe1d.only_keys({"lanes", "exp"});
    a.pe1d.lanes = static_cast<std::uint32_t>(pe1d.positive_int("lanes"));
    if (a.pe1d.lanes != a.pe2d.cols)
        pe1d.fail("lanes", "expected one lane per 2D column (" + std::to_string(a.pe2d.cols) + "), got " +
                               std::to_string(a.pe1d.lanes));
    a.pe1d.exp = read_exp(pe1d, a.pe1d.exp);

    const YamlMap glb = doc.map("glb");
    glb.only_keys({"capacity_bytes", "row_words", "banks"});
    a.glb.capacity_bytes = glb.positive_int("capacity_bytes");
    a.glb.row_words = static_cast<std::uint32_t>(glb.positive_int("row_words", 256));
    a.glb.banks = static_cast<std::uint32_t>(glb.positive_int("banks", 1));
    if (a.glb.capacity_bytes > (1ull << 36)) glb.fail("capacity_bytes", "expected at most 64 GiB");

    const YamlMap dram = doc.map("dram");
    dram.only_keys({"bandwidth_gib_per_s", "latency_cycles", "access_bytes"});
    a.dram.bandwidth_bytes_per_s = dram.positive_number("bandwidth_gib_per_s") * double(1ull << 30);
    a.dram.latency_cycles = dram.non_negative_int("latency_cycles", 0);
    a.dram.access_bytes = static_cast<std::uint32_t>(dram.positive_int("access_bytes", 8));

    if (doc.has("tiling")) {
        const YamlMap t = doc.map("tiling");
        t.only_keys({"p1", "double_buffer"});
        if (t.has("p1") && t.node()["p1"].IsScalar() && t.node()["p1"].Scalar() == "auto") a.tiling.p1 = 0;
        else a.tiling.p1 = static_cast<std::uint32_t>(t.positive_int("p1", 0));
        a.tiling.double_buffer = t.boolean("double_buffer", true);
    }

    a.schedule = read_schedule(doc.map("schedule"));

    const std::string table = doc.string("energy_table");
    const std::filesystem::path table_path = std::filesystem::path(path).parent_path() / table;
    try {
        a.energy = load_energy_table(table_path.string());
    } catch (const ConfigError& e) {
        throw ConfigError(std::string(e.what()) + " (energy_table of " + path + ")");
    }
    auto check_prices = [&](const OpBinding& b) {
        const ExpActions& exp = b.array == ArrayKind::Pe2d ? a.pe2d.exp : a.pe1d.exp;
        if (auto missing = a.energy.missing_action(b.array, op_action_kinds(b.op, exp)))
            doc.fail("energy_table", "table '" + a.energy.name + "' has no " + std::string(array_name(b.array)) + " '" +
                                         *missing + "' energy, which op " + std::string(op_name(b.op)) + " needs");
    };
    for (const OpBinding& b : a.schedule.step_ops) check_prices(b);
    check_prices(a.schedule.av);
    return a;
}

}  // namespace fusemax
