#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/config_error.h"
#include "fusemax/config/workload.h"
#include "test_files.h"

namespace fusemax {
namespace {

const std::string kConfigs = FUSEMAX_CONFIG_DIR;

std::string fusemax_yaml() { return test::read_text(kConfigs + "/arch/fusemax.yaml"); }

// Writes an architecture YAML next to copies of the energy and area tables it names, then loads it.
std::string load_error(const std::string& yaml) {
    namespace fs = std::filesystem;
    char tmpl[] = "/tmp/fusemax-arch-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    fs::create_directories(dir / "arch");
    fs::copy(fs::path(kConfigs) / "energy", dir / "energy");
    fs::copy(fs::path(kConfigs) / "area", dir / "area");
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
        EXPECT_NE(std::string(e.what()).find("/nonexistent/arch.yaml (architecture): cannot open: No such file"), std::string::npos) << e.what();
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
    EXPECT_NE(m.find("key 'pe2d.rows': expected an integer from 1 to 65536, got '0'"), std::string::npos) << m;
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
    EXPECT_NE(m.find("none.yaml (energy_table of "), std::string::npos) << m;
}

TEST(ArchConfig, ClockOutsideWhatSimulatedTimeResolves) {
    // 3 THz has a period below the 1 ps resolution (it divided by zero); 1e-300 MHz overflows time.
    for (const char* mhz : {"3000000", "1e-300", "0.0001"}) {
        const std::string m = load_error(replace(fusemax_yaml(), "clock_mhz: 940", std::string("clock_mhz: ") + mhz));
        EXPECT_NE(m.find("key 'clock_mhz': expected 0.001 to 100000 MHz (a period of 10 ps to 1 ms)"), std::string::npos)
            << mhz << ": " << m;
    }
    EXPECT_EQ(load_error(replace(fusemax_yaml(), "clock_mhz: 940", "clock_mhz: 100000")), "");
}

TEST(ArchConfig, DramChannelRanges) {
    std::string m = load_error(replace(fusemax_yaml(), "bandwidth_gib_per_s: 400", "bandwidth_gib_per_s: 1e-300"));
    EXPECT_NE(m.find("key 'dram.bandwidth_gib_per_s': expected 0.001 to 1e+09 bytes per cycle"), std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "latency_cycles: 100", "latency_cycles: 9223372036854775807"));
    EXPECT_NE(m.find("key 'dram.latency_cycles': expected at most 1000000000 cycles"), std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "latency_cycles: 100", "latency_cycles: 99999999999999999999999"));
    EXPECT_NE(m.find("key 'dram.latency_cycles': expected a non-negative integer"), std::string::npos) << m;
}

// Values above 2^32 used to be truncated to 32 bits before the range check (4294967296 rows -> 0).
// Found by fuzzing: a mapping or list used as a key made yaml-cpp throw past the loader.
TEST(ArchConfig, KeysMustBePlain) {
    std::string m = load_error(fusemax_yaml() + "[a, b]: 1\n");
    EXPECT_NE(m.find("expected plain keys, got a list as a key"), std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "rows: 256", "{x: 1}: 256"));
    EXPECT_NE(m.find("key 'pe2d': expected plain keys, got a mapping as a key"), std::string::npos) << m;
    test::TempFile child("c.yaml", "base: " + kConfigs + "/arch/fusemax.yaml\n? [x]\n: 3\n");
    try {
        load_arch_config(child.path());
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("c.yaml:2: expected plain keys, got a list as a key"), std::string::npos) << e.what();
    }
}

TEST(ArchConfig, LargeIntegersAreNotTruncated) {
    std::string m = load_error(replace(fusemax_yaml(), "rows: 256", "rows: 4294967296"));
    EXPECT_NE(m.find("key 'pe2d.rows': expected an integer from 1 to 65536, got '4294967296'"), std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "p1: auto", "p1: 4294967297"));
    EXPECT_NE(m.find("key 'tiling.p1': expected an integer from 1 to 67108864"), std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "capacity_bytes: 16777216", "capacity_bytes: 68719476736"));
    EXPECT_NE(m.find("key 'glb.capacity_bytes': expected at most 2^29 words (1073741824 bytes with 2-byte words)"),
              std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "word_bytes: 2", "word_bytes: 16"));
    EXPECT_NE(m.find("key 'word_bytes': expected an integer from 1 to 8, got '16'"), std::string::npos) << m;
}

TEST(ArchConfig, ExpActionsBounded) {
    const std::string m = load_error(replace(fusemax_yaml(), "exp: {mac: 6, add: 1}  #", "exp: {mac: 4000000000, add: 1}  #"));
    EXPECT_NE(m.find("key 'pe2d.exp.mac': expected at most 1000 actions per exp"), std::string::npos) << m;
}

TEST(ArchConfig, CycleExpressionLimits) {
    std::string m = load_error(replace(fusemax_yaml(), "cycles: E}", "cycles: " + std::string(40, '(') + "E" + std::string(40, ')') + "}"));
    EXPECT_NE(m.find("nests too deeply"), std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "cycles: E}", [] {
        std::string e = "cycles: E";
        for (int i = 0; i < 600; ++i) e += "+E";
        return e + "}";
    }()));
    EXPECT_NE(m.find("longer than 1000 characters"), std::string::npos) << m;
    const CostExpr big = CostExpr::parse("1099511627776 * 1099511627776");
    EXPECT_THROW(big.eval({}), std::overflow_error);
}

TEST(ArchConfig, DirectoryInsteadOfFile) {
    EXPECT_THROW(load_arch_config(kConfigs + "/arch"), ConfigError);
    try {
        load_arch_config(kConfigs + "/arch");
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("arch (architecture): is a directory, expected a file"), std::string::npos)
            << e.what();
    }
    const std::string m = load_error(replace(fusemax_yaml(), "../energy/fusemax_45nm.yaml", "../energy"));
    EXPECT_NE(m.find("energy (energy_table of "), std::string::npos) << m;
    EXPECT_NE(m.find("is a directory"), std::string::npos) << m;
}

// Paths in a file are relative to that file: a child in another folder inherits its base's
// energy table and FLAT table as the base names them.
TEST(ArchConfig, BaseInAnotherFolderKeepsItsOwnPaths) {
    test::TempFile child("mine.yaml", "base: " + kConfigs + "/arch/fusemax.yaml\nname: Mine\nclock_mhz: 1000\n");
    const ArchConfig a = load_arch_config(child.path());
    EXPECT_EQ(a.name, "Mine");
    EXPECT_DOUBLE_EQ(a.clock_hz, 1e9);
    EXPECT_EQ(a.energy.name, "fusemax_default");
    test::TempFile flat("f.yaml", "base: " + kConfigs + "/arch/flat.yaml\nname: MyFlat\n");
    const ArchConfig f = load_arch_config(flat.path());
    EXPECT_FALSE(f.flat.rows.empty());
    EXPECT_EQ(f.flat.dataflow_table, kConfigs + "/flat/flat_dataflow.csv");
    // A relative base is relative to the child, and the child's own paths to the child.
    const std::string rel = std::filesystem::relative(kConfigs + "/arch/fusemax.yaml", child.dir()).string();
    test::TempFile own("own.yaml", "base: " + rel + "\nenergy_table: missing.yaml\n");
    try {
        load_arch_config(own.path());
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(own.dir() + "/missing.yaml (energy_table of "), std::string::npos) << e.what();
    }
}

// A design file with a base, named by a relative path that climbs out of the working directory
// (--arch ../configs/arch/flat.yaml): every path resolves once, from the file that gives it.
TEST(ArchConfig, RelativePathToADesignWithABase) {
    const std::filesystem::path cwd = std::filesystem::current_path();
    const std::filesystem::path here = kConfigs + "/workloads";
    std::filesystem::current_path(here);
    const std::string rel = std::filesystem::relative(kConfigs + "/arch/flat.yaml", here).string();
    ASSERT_EQ(rel.rfind("../", 0), 0u) << rel;
    ArchConfig a;
    EXPECT_NO_THROW(a = load_arch_config(rel));
    std::filesystem::current_path(cwd);
    EXPECT_EQ(a.energy.name, "flat_default");
    EXPECT_EQ(a.gemm_energy.name, "matmul_flat");
}

TEST(ArchConfig, RoutingThroughGlbOnlyWhereItMeansSomething) {
    std::string m = load_error(replace(fusemax_yaml(), "{op: RM,   array: pe1d, cycles: 1}", "{op: RM,   array: pe1d, cycles: 1, glb_write: true}"));
    EXPECT_NE(m.find("op RM cannot be routed through the GLB (it has two results"), std::string::npos) << m;
    m = load_error(replace(fusemax_yaml(), "{op: AV,   array: pe1d, cycles: F}", "{op: AV,   array: pe1d, cycles: F, glb_write: true}"));
    EXPECT_NE(m.find("op AV cannot be routed through the GLB (it writes O"), std::string::npos) << m;
    test::TempFile u("u.yaml", "base: " + kConfigs + "/arch/unfused.yaml\n" +
                                   "schedule:\n  program: unfused\n  ops:\n"
                                   "    - {op: QK,  array: pe2d, cycles: E, glb_write: true}\n"
                                   "    - {op: MX,  array: pe1d, cycles: ROWS}\n    - {op: SN,  array: pe1d, cycles: ROWS}\n"
                                   "    - {op: SD,  array: pe1d, cycles: ROWS}\n    - {op: A,   array: pe1d, cycles: ROWS}\n"
                                   "    - {op: AVM, array: pe2d, cycles: F}\n");
    try {
        load_arch_config(u.path());
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("key 'schedule.ops[0].glb_write': only meaningful with schedule.program: one_pass"),
                  std::string::npos)
            << e.what();
    }
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
    EXPECT_NE(workload_error("seq_len: 8\nhead_dim: .nan\n").find("key 'head_dim': expected a positive integer"),
              std::string::npos);
    EXPECT_NE(workload_error("seq_len: 8\nhead_dim: 2\nscale: .inf\n").find("key 'scale': expected a positive number"),
              std::string::npos);
}

// Sizes each in range whose products would overflow 64 bits (they wrapped to 0 before).
TEST(Workload, ProductsOfSizesAreBounded) {
    Workload w;
    w.batch = 16777216, w.heads = 1, w.seq_q = w.seq_kv = 67108864, w.head_dim = w.v_dim = 16384;
    try {
        validate_workload(w, "flags");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("flags: batch x heads x seq_q x seq_kv x (head_dim + v_dim) = 2.48e+27 "
                                             "multiply-accumulates: expected at most 2^60"),
                  std::string::npos)
            << e.what();
    }
    w.batch = 1, w.seq_q = w.seq_kv = 1, w.head_dim = w.v_dim = 1;
    EXPECT_NO_THROW(validate_workload(w, "flags"));
    // The paper's largest point fits: 1M tokens, batch 64, 16 heads, E = F = 128.
    w.batch = 64, w.heads = 16, w.seq_q = w.seq_kv = 1 << 20, w.head_dim = w.v_dim = 128;
    EXPECT_NO_THROW(validate_workload(w, "flags"));
}

}  // namespace
}  // namespace fusemax
