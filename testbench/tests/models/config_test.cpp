#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/arch_config.h"
#include "config/config_error.h"
#include "config/workload.h"
#include "test_files.h"

namespace fusemax {
namespace {

const std::string kConfigs = FUSEMAX_CONFIG_DIR;

std::string fusemax_yaml() { return test::read_text(kConfigs + "/arch/fusemax.yaml"); }

// Writes an architecture YAML next to a copy of the energy table it names, then loads it.
std::string load_error(const std::string& yaml) {
    namespace fs = std::filesystem;
    char tmpl[] = "/tmp/fusemax-arch-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    fs::create_directories(dir / "arch");
    fs::copy(fs::path(kConfigs) / "energy", dir / "energy");
    const std::string path = (dir / "arch" / "test.yaml").string();
    std::ofstream(path) << yaml;
    std::string message;
    try {
        load_arch_config(path);
    } catch (const ConfigError& e) {
        message = e.what();
    }
    fs::remove_all(dir);
    return message;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

TEST(ArchConfig, ShippedFuseMaxMatchesReference) {
    const ArchConfig a = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    EXPECT_EQ(a.pe2d.rows, 256u);
    EXPECT_EQ(a.pe2d.cols, 256u);
    EXPECT_EQ(a.pe1d.lanes, 256u);
    EXPECT_EQ(a.glb.capacity_bytes, 16u << 20);
    EXPECT_EQ(a.glb.row_words, 256u);
    EXPECT_EQ(a.glb.banks, 32u);
    EXPECT_DOUBLE_EQ(a.clock_hz, 940e6);
    EXPECT_DOUBLE_EQ(a.dram.bandwidth_bytes_per_s, 400.0 * (1ull << 30));
    EXPECT_EQ(a.word_bytes, 2u);
    EXPECT_TRUE(a.schedule.interleave);
    ASSERT_EQ(a.schedule.step_ops.size(), 11u);
    const CostVariables v{64, 64, 256, 256, 256};
    std::int64_t pe2d = 0, pe1d = 0;
    for (const OpBinding& b : a.schedule.step_ops)
        (b.array == ArrayKind::Pe2d ? pe2d : pe1d) += b.cycles.eval(v);
    EXPECT_EQ(pe2d, 137);  // E + F + 9, reference section 3
    EXPECT_EQ(pe1d, 138);  // 2F + 10
    EXPECT_EQ(a.schedule.av.array, ArrayKind::Pe1d);
    EXPECT_EQ(a.schedule.av.cycles.eval(v), 64);
    EXPECT_EQ(a.energy.name, "fusemax_default");
}

TEST(ArchConfig, MissingFileNamesIt) {
    try {
        load_arch_config("/nonexistent/arch.yaml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/arch.yaml: cannot open"), std::string::npos) << e.what();
    }
}

TEST(ArchConfig, MalformedYaml) {
    EXPECT_NE(load_error("name: [unclosed\n").find("malformed YAML"), std::string::npos);
}

TEST(ArchConfig, UnknownTopLevelKey) {
    const std::string m = load_error(fusemax_yaml() + "frequency: 3\n");
    EXPECT_NE(m.find("unknown key 'frequency'"), std::string::npos) << m;
    EXPECT_NE(m.find("test.yaml:"), std::string::npos) << m;
}

TEST(ArchConfig, UnknownNestedKey) {
    const std::string m = load_error(replace(fusemax_yaml(), "rows: 256", "rows: 256\n  depth: 3"));
    EXPECT_NE(m.find("unknown key 'pe2d.depth'"), std::string::npos) << m;
}

TEST(ArchConfig, ZeroRows) {
    const std::string m = load_error(replace(fusemax_yaml(), "rows: 256", "rows: 0"));
    EXPECT_NE(m.find("key 'pe2d.rows': expected a positive integer, got '0'"), std::string::npos) << m;
}

TEST(ArchConfig, NegativeCapacity) {
    const std::string m = load_error(replace(fusemax_yaml(), "capacity_bytes: 16777216", "capacity_bytes: -5"));
    EXPECT_NE(m.find("key 'glb.capacity_bytes': expected a positive integer, got '-5'"), std::string::npos) << m;
}

TEST(ArchConfig, NonNumericClock) {
    const std::string m = load_error(replace(fusemax_yaml(), "clock_mhz: 940", "clock_mhz: fast"));
    EXPECT_NE(m.find("key 'clock_mhz': expected a positive number, got 'fast'"), std::string::npos) << m;
}

TEST(ArchConfig, MissingRequiredKey) {
    const std::string m = load_error(replace(fusemax_yaml(), "clock_mhz: 940\n", ""));
    EXPECT_NE(m.find("key 'clock_mhz': missing (required)"), std::string::npos) << m;
}

TEST(ArchConfig, LanesMustMatchColumns) {
    const std::string m = load_error(replace(fusemax_yaml(), "lanes: 256", "lanes: 128"));
    EXPECT_NE(m.find("key 'pe1d.lanes': expected one lane per 2D column (256), got 128"), std::string::npos) << m;
}

TEST(ArchConfig, OpBeforeItsInput) {
    std::string y = fusemax_yaml();
    y = replace(y, "    - {op: RM,   array: pe1d, cycles: 1}\n", "");
    y = replace(y, "    - {op: SLD,", "    - {op: RM,   array: pe1d, cycles: 1}\n    - {op: SLD,");
    const std::string m = load_error(y);
    EXPECT_NE(m.find("op 'SLN' is listed before its input 'RM'"), std::string::npos) << m;
}

TEST(ArchConfig, MissingOp) {
    const std::string m = load_error(replace(fusemax_yaml(), "    - {op: AV,   array: pe1d, cycles: F}", ""));
    EXPECT_NE(m.find("op 'AV' is missing"), std::string::npos) << m;
}

TEST(ArchConfig, UnknownOp) {
    const std::string m = load_error(replace(fusemax_yaml(), "{op: RD,", "{op: RDX,"));
    EXPECT_NE(m.find("unknown op 'RDX'"), std::string::npos) << m;
}

TEST(ArchConfig, BadCycleExpression) {
    const std::string m = load_error(replace(fusemax_yaml(), "cycles: E}", "cycles: E +}"));
    EXPECT_NE(m.find("expected a cycle expression"), std::string::npos) << m;
    EXPECT_NE(m.find("schedule.ops[0].cycles"), std::string::npos) << m;
}

TEST(ArchConfig, UnknownArray) {
    const std::string m = load_error(replace(fusemax_yaml(), "{op: QK,   array: pe2d", "{op: QK,   array: pe3d"));
    EXPECT_NE(m.find("expected pe2d or pe1d, got 'pe3d'"), std::string::npos) << m;
}

TEST(ArchConfig, EnergyTableMustPriceBoundOps) {
    // FuseMax's 2D array has no divider in the ERT: AV cannot be bound to it.
    const std::string m = load_error(replace(fusemax_yaml(), "{op: AV,   array: pe1d", "{op: AV,   array: pe2d"));
    EXPECT_NE(m.find("has no pe2d 'divide' energy, which op AV needs"), std::string::npos) << m;
}

TEST(ArchConfig, MissingEnergyTable) {
    const std::string m = load_error(replace(fusemax_yaml(), "../energy/fusemax_45nm.yaml", "../energy/none.yaml"));
    EXPECT_NE(m.find("none.yaml: cannot open"), std::string::npos) << m;
}

TEST(Workload, ShippedWorkloads) {
    const Workload b = load_workload(kConfigs + "/workloads/bert_base.yaml");
    EXPECT_EQ(b.batch, 64u);
    EXPECT_EQ(b.heads, 12u);
    EXPECT_EQ(b.seq_q, 1024u);
    EXPECT_EQ(b.seq_kv, 1024u);
    EXPECT_EQ(b.head_dim, 64u);
    const Workload x = load_workload(kConfigs + "/workloads/xlm.yaml");
    EXPECT_EQ(x.heads, 16u);
    EXPECT_EQ(x.head_dim, 128u);
    EXPECT_EQ(x.v_dim, 128u);
    const Workload n = load_workload(kConfigs + "/workloads/notebook.yaml");
    EXPECT_EQ(n.seq_q, 8u);
    EXPECT_EQ(n.seq_kv, 4u);
    EXPECT_EQ(n.head_dim, 2u);
}

std::string workload_error(const std::string& yaml) {
    test::TempFile f("w.yaml", yaml);
    try {
        load_workload(f.path());
    } catch (const ConfigError& e) {
        return e.what();
    }
    return {};
}

TEST(Workload, Errors) {
    EXPECT_NE(workload_error("seq_len: 8\nseq_q: 8\nhead_dim: 2\n").find("give either seq_len or seq_q"),
              std::string::npos);
    EXPECT_NE(workload_error("seq_len: 8\n").find("key 'head_dim': missing"), std::string::npos);
    EXPECT_NE(workload_error("seq_len: 8\nhead_dim: 2\nheads: 0\n").find("key 'heads': expected a positive integer"),
              std::string::npos);
    EXPECT_NE(workload_error("seq_len: 1.5\nhead_dim: 2\n").find("got '1.5'"), std::string::npos);
    EXPECT_NE(workload_error("seq_len: 8\nhead_dim: 2\ndepth: 1\n").find("unknown key 'depth'"), std::string::npos);
    EXPECT_NE(workload_error("seq_len: 134217728\nhead_dim: 2\n").find("seq_q = 134217728: expected 1 to"),
              std::string::npos);
}

}  // namespace
}  // namespace fusemax
