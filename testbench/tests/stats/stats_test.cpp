// The statistics as users read them: every field fusemax-sim writes has a unit and a description in
// the catalog, every catalog entry is a field some job writes, timestamps count from the run's start
// and the host's measurements stay apart so that two runs diff clean.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fusemax/report/stat_catalog.h"
#include "scratch_dir.h"

namespace fusemax {
namespace {

namespace fs = std::filesystem;
const std::string kSim = FUSEMAX_SIM;
const std::string kConfigs = FUSEMAX_CONFIG_DIR;

class Stats : public test::ScratchDir {
protected:
    // fusemax-sim's exit code and everything it printed.
    std::pair<int, std::string> sim(const std::string& args) {
        const test::ToolRun r = run_tool(kSim, args);
        return {r.code, r.out + r.err};
    }

    nlohmann::json stats(const std::string& args) {
        const auto [code, out] = sim(args + " --quiet --stats " + (dir / "s.json").string());
        EXPECT_EQ(code, 0) << args << ": " << out;
        return nlohmann::json::parse(slurp(dir / "s.json"));
    }
};

std::size_t matches(nlohmann::json j, const std::string& pattern) {
    std::size_t n = 0;
    for_each_stat(j, pattern, [&](nlohmann::json&) { ++n; });
    return n;
}

TEST(StatCatalog, PatternsNameKeysWithDotsListsAndAlternatives) {
    const nlohmann::json j = {
        {"modules", {{"fusemax.pe2d", {{"ops", {{"QK", {{"count", 1}}}, {"LM", {{"count", 2}}}}}}},
                     {"fusemax.pe1d", {{"ops", {{"AV", {{"count", 3}}}}}}},
                     {"fusemax.glb", {{"bank_rows", {1, 2, 3}}}}}},
        {"kernels", {{{"cycles", 4}}, {{"cycles", 5}}}},
        {"cycles", 6}};
    EXPECT_EQ(matches(j, "modules.fusemax.{pe2d,pe1d}.ops.*.count"), 3u);
    EXPECT_EQ(matches(j, "modules.fusemax.pe2d.ops.*.count"), 2u);
    EXPECT_EQ(matches(j, "modules.fusemax.glb.bank_rows[]"), 3u);
    EXPECT_EQ(matches(j, "kernels[].cycles"), 2u);
    EXPECT_EQ(matches(j, "cycles"), 1u);
    EXPECT_EQ(matches(j, "cycle"), 0u);  // a prefix of a key is not the key
    EXPECT_EQ(matches(j, "modules.fusemax"), 0u);
    const std::vector<std::string> left = undescribed_stats({{"cycles", 1}, {"made_up", {{"x", 2}}}});
    EXPECT_EQ(left, std::vector<std::string>{"made_up.x"});
}

TEST(StatCatalog, EntriesAreUniqueWithUnitsAndDescriptions) {
    const std::set<std::string> units = {"cycles", "cycle", "s", "pJ", "um^2", "bytes", "words", "rows", "count", "fraction",
                                         "bytes/s", "ops/s", "bytes/cycle", "Hz", "ps", "text", "bool", "1", "1/s", "J s"};
    std::set<std::string> paths;
    for (const StatInfo& s : stat_catalog()) {
        EXPECT_TRUE(paths.insert(s.path).second) << "listed twice: " << s.path;
        EXPECT_TRUE(units.count(s.unit)) << s.path << ": unit " << s.unit;
        EXPECT_GT(std::string(s.description).size(), 3u) << s.path;
    }
}

// The jobs below write every statistic there is between them: attention with its check, a GEMM, a
// layer, decode steps, the 3-pass and FLAT programs, a GLB no table covers, a fitted GLB.
TEST_F(Stats, EveryStatisticIsDescribedAndEveryDescriptionIsWritten) {
    const std::vector<std::string> jobs = {
        "--seq 512 --heads 2",
        "--gemm 512,256,512",
        "--layer --seq 256 --heads 2 --d-model 128 --ffn 256",
        "--seq 256 --heads 2 --decode-steps 2 --causal",
        "--arch " + kConfigs + "/arch/unfused.yaml --mode timing --seq 512 --heads 2",
        "--arch " + kConfigs + "/arch/flat.yaml --mode timing --seq 512 --heads 2",
        "--layer --mode timing --seq 256 --heads 2 --d-model 128 --ffn 256 --glb-bytes 4M",
        "--arch " + kConfigs + "/arch/fusemax_fitted_glb.yaml --layer --mode timing --seq 256 --heads 2 --d-model 128 "
        "--ffn 256 --glb-bytes 2M",
    };
    std::set<std::string> written;
    for (const std::string& args : jobs) {
        const nlohmann::json j = stats(args);
        for (const std::string& path : undescribed_stats(j)) ADD_FAILURE() << args << ": " << path << " is not in the catalog";
        for (const StatInfo& s : stat_catalog())
            if (matches(j, s.path)) written.insert(s.path);
    }
    for (const StatInfo& s : stat_catalog())
        if (s.scope == StatScope::Stats || s.scope == StatScope::Host) {
            EXPECT_TRUE(written.count(s.path)) << s.path << " is described but no job wrote it";
        }
}

// Cycle timestamps count from the run's first job (origin_cycle: when the CPU's START reached it),
// so the same job diffs clean whatever happened before it.
TEST_F(Stats, TimestampsCountFromTheRunsStart) {
    const nlohmann::json j = stats("--seq 512 --heads 2 --mode timing");
    const auto& sched = j["modules"]["fusemax.scheduler"];
    EXPECT_GT(j["origin_cycle"].get<std::uint64_t>(), 0u);  // the registers were programmed first
    EXPECT_EQ(sched["job_start_cycle"], 0);
    EXPECT_EQ(sched["job_end_cycle"], j["cycles"]);
    EXPECT_EQ(sched["compute_start_cycle"], j["dram_prologue_cycles"]);
    EXPECT_EQ(j["modules"]["fusemax.pe2d"]["first_start_cycle"], j["dram_prologue_cycles"]);
    EXPECT_EQ(j["stages"]["whole"]["start_cycle"], 0);
    EXPECT_EQ(j["stages"]["whole"]["end_cycle"], j["cycles"]);

    // A layer: seven jobs; its timestamps count from the first job's start, so the last job ends
    // after all seven jobs' cycles (and the CPU's time between a job's interrupt and the next START).
    const nlohmann::json layer = stats("--layer --seq 256 --heads 2 --d-model 128 --ffn 256 --mode timing");
    std::uint64_t sum = 0;
    for (const auto& k : layer["kernels"]) sum += k["cycles"].get<std::uint64_t>();
    EXPECT_EQ(sum, layer["cycles"].get<std::uint64_t>());
    EXPECT_GE(layer["modules"]["fusemax.scheduler"]["job_end_cycle"].get<std::uint64_t>(), sum);

    // A GEMM never uses the 1D array: its times are null, not cycles before the run.
    const nlohmann::json gemm = stats("--gemm 512,256,512 --mode timing");
    EXPECT_TRUE(gemm["modules"]["fusemax.pe1d"]["first_start_cycle"].is_null());
    EXPECT_EQ(gemm["modules"]["fusemax.pe2d"]["first_start_cycle"], gemm["dram_prologue_cycles"]);
}

TEST_F(Stats, TwoRunsDifferOnlyInTheHostsMeasurements) {
    nlohmann::json a = stats("--seq 512 --heads 2");
    nlohmann::json b = stats("--seq 512 --heads 2");
    ASSERT_TRUE(a["host"]["wall_s"].is_number());
    ASSERT_TRUE(a["host"]["cpu_s"].is_number());
    for (const auto& [key, value] : a.items())
        if (key != "host") {
            EXPECT_EQ(value, b[key]) << key;
        }
    a.erase("host");
    b.erase("host");
    EXPECT_EQ(a.dump(), b.dump());
}

TEST_F(Stats, DescribeStatsPrintsTheCatalog) {
    const auto [code, text] = sim("--describe-stats");
    ASSERT_EQ(code, 0);
    EXPECT_NE(text.find("  latency_s"), std::string::npos) << text;
    EXPECT_NE(text.find("Host measurements"), std::string::npos);
    const auto [jcode, json] = sim("--describe-stats json");
    ASSERT_EQ(jcode, 0);
    const nlohmann::json list = nlohmann::json::parse(json);
    ASSERT_EQ(list.size(), stat_catalog().size());
    EXPECT_EQ(list[1]["path"], "latency_s");
    EXPECT_EQ(list[1]["unit"], "s");
    const auto [ccode, csv] = sim("--describe-stats csv");
    ASSERT_EQ(ccode, 0);
    EXPECT_EQ(csv.rfind("path,unit,scope,description\ncycles,cycles,stats,\"", 0), 0u) << csv.substr(0, 80);
    const auto [bad, message] = sim("--describe-stats yaml");
    EXPECT_EQ(bad, 2);
    EXPECT_EQ(message, "fusemax-sim: --describe-stats: expected text, json or csv, got 'yaml'\n");
}

}  // namespace
}  // namespace fusemax
