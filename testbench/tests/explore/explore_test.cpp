// fusemax-explore: the Pareto front, the search-space file, the bounds it prunes with, the forked
// workers, and the tool as users run it (every point it reports reproduced by fusemax-sim).
#include <gtest/gtest.h>
#include <unistd.h>

#include "scratch_dir.h"
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fusemax/config/config_error.h"
#include "explore/bounds.h"
#include "explore/fork_pool.h"
#include "fusemax/explore/pareto.h"
#include "fusemax/explore/search_space.h"
#include "fusemax/program/ops.h"

namespace fusemax {
namespace {

namespace fs = std::filesystem;
const std::string kExplore = FUSEMAX_EXPLORE;
const std::string kSim = FUSEMAX_SIM;
const std::string kConfigs = FUSEMAX_CONFIG_DIR;

TEST(Pareto, KeepsTheNonDominatedAndTies) {
    const std::vector<Costs> p = {{1, 5, 1}, {2, 2, 1}, {3, 3, 1}, {2, 2, 1}, {5, 1, 1}, {1, 5, 2}};
    // {3,3,1} is dominated by {2,2,1}; {1,5,2} by {1,5,1}; the two {2,2,1} tie and both stay.
    EXPECT_EQ(pareto_front(p), (std::vector<std::size_t>{0, 1, 3, 4}));
    EXPECT_TRUE(dominates({1, 1, 1}, {1, 2, 1}));
    EXPECT_FALSE(dominates({1, 1, 1}, {1, 1, 1}));
    EXPECT_TRUE(weakly_dominates({1, 1, 1}, {1, 1, 1}));
    // A bound at or above a simulated point in every cost cannot improve the front; below in one can.
    EXPECT_TRUE(bound_dominated({2, 2, 1}, {{1, 2, 1}}));
    EXPECT_FALSE(bound_dominated({2, 1.5, 1}, {{1, 2, 1}}));
}

// The closed form against counting what KeyMask lets each query see.
TEST(Bounds, VisiblePairsCountTheMask) {
    for (const auto& [p, m, causal, window] : std::vector<std::tuple<int, int, bool, int>>{
             {7, 7, false, 0}, {7, 7, true, 0}, {5, 9, true, 0}, {9, 9, true, 3}, {4, 12, true, 5}, {12, 12, true, 12}, {1, 10, true, 4}}) {
        Workload w;
        w.seq_q = p, w.seq_kv = m, w.causal = causal, w.window = window;
        const KeyMask mask = w.key_mask();
        double seen = 0;
        for (int q = 0; q < p; ++q)
            for (int k = 0; k < m; ++k) seen += mask.visible(k, q);
        EXPECT_EQ(visible_pairs(w), seen) << p << " " << m << " " << causal << " " << window;
    }
}

using Files = test::ScratchDir;

using SearchSpaceFile = Files;

TEST_F(SearchSpaceFile, ReadsListsWordsAndSizes) {
    const SearchSpace s = load_search_space(file("s.yaml", R"(
mapping:
  m0: [full, 128]
  p1: [auto, 2, 4]
  double_buffer: false
  binding: [own, )" + kConfigs + R"(/arch/cascade.yaml]
hardware:
  glb_bytes: [same, 1M, 64M]
  dram_gib_per_s: [same, 200.5]
)"));
    EXPECT_EQ(s.m0, (std::vector<std::uint32_t>{0, 128}));
    EXPECT_EQ(s.p1, (std::vector<std::uint32_t>{0, 2, 4}));
    EXPECT_EQ(s.double_buffer, std::vector<bool>{false});
    EXPECT_EQ(s.binding.size(), 2u);
    EXPECT_EQ(s.glb_bytes, (std::vector<std::uint64_t>{0, 1u << 20, 64u << 20}));
    EXPECT_EQ(s.dram_gib_per_s, (std::vector<double>{0, 200.5}));
    EXPECT_EQ(s.size(), 2u * 3 * 2 * 3 * 2);
    EXPECT_EQ(enumerate(s).size(), s.size());
}

TEST_F(SearchSpaceFile, NamesTheFileAndKeyOfBadInput) {
    auto message = [&](const std::string& text) {
        try {
            load_search_space(file("bad.yaml", text));
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message("mapping: {tiles: [1]}").find("unknown key 'mapping.tiles'"), std::string::npos);
    EXPECT_NE(message("mapping: {p1: [auto, 0]}").find("key 'mapping.p1': expected 'auto' or an integer"), std::string::npos);
    EXPECT_NE(message("mapping: {interleave: [yes]}").find("expected true or false, got 'yes'"), std::string::npos);
    EXPECT_NE(message("mapping: {m0: []}").find("non-empty list"), std::string::npos);
    EXPECT_NE(message("hardware: {glb_bytes: [lots]}").find("key 'hardware.glb_bytes'"), std::string::npos);
    EXPECT_NE(message("mapping: {binding: [nowhere.yaml]}").find("key 'mapping.binding': 'nowhere.yaml'"), std::string::npos);
    EXPECT_NE(message("[1, 2]").find("expected a search space"), std::string::npos);
    EXPECT_NE(message("mapping: {p1: [1}").find("bad.yaml:"), std::string::npos);
}

TEST(ForkPool, ResultsByTaskFailuresAndSkips) {
    std::vector<std::size_t> ended;
    const auto r = run_forked(
        6, 2,
        [](std::size_t i) -> std::string {
            if (i == 2) throw ConfigError("task two refused");
            if (i == 3) std::raise(SIGKILL);
            return "result " + std::to_string(i * i);
        },
        [&](std::size_t i, const ForkResult&) { ended.push_back(i); }, [](std::size_t i) { return i == 4; });
    ASSERT_EQ(r.size(), 6u);
    EXPECT_TRUE(r[0].ok);
    EXPECT_EQ(r[1].output, "result 1");
    EXPECT_EQ(r[5].output, "result 25");
    EXPECT_FALSE(r[2].ok);
    EXPECT_EQ(r[2].output, "task two refused");
    EXPECT_FALSE(r[3].ok);
    EXPECT_NE(r[3].output.find("signal 9"), std::string::npos);
    EXPECT_TRUE(r[4].skipped);
    EXPECT_EQ(std::set<std::size_t>(ended.begin(), ended.end()), (std::set<std::size_t>{0, 1, 2, 3, 5}));
}

// `ready` holds a task back until what its skip decision depends on has ended: here task k waits
// for every task before k - 1, although task 0 sleeps while the others would race ahead.
TEST(ForkPool, ReadyHoldsTasksBackUntilTheirInputsEnded) {
    std::vector<char> ended(8, 0);
    std::vector<std::size_t> late;  // tasks whose skip decision came before an input had ended
    run_forked(
        8, 3,
        [](std::size_t i) -> std::string {
            if (i == 0) usleep(200000);
            return std::to_string(i);
        },
        [&](std::size_t i, const ForkResult&) { ended[i] = 1; },
        [&](std::size_t k) {
            for (std::size_t j = 0; j + 1 < k; ++j)
                if (!ended[j]) late.push_back(k);
            return false;
        },
        [&](std::size_t k) {
            for (std::size_t j = 0; j + 1 < k; ++j)
                if (!ended[j]) return false;
            return true;
        });
    EXPECT_TRUE(late.empty());
    EXPECT_EQ(std::count(ended.begin(), ended.end(), 1), 8);
}

using test::ToolRun;

class ExploreCli : public Files {
protected:
    ToolRun run(const std::string& tool, const std::string& args) { return run_tool(tool, args); }
    // points.csv as rows of column -> value.
    std::vector<std::map<std::string, std::string>> csv(const fs::path& p) {
        std::ifstream in(p);
        std::string line;
        std::getline(in, line);
        std::vector<std::string> names;
        std::stringstream header(line);
        for (std::string n; std::getline(header, n, ',');) names.push_back(n);
        std::vector<std::map<std::string, std::string>> rows;
        while (std::getline(in, line)) {
            std::map<std::string, std::string> row;
            std::stringstream cells(line);
            std::string cell;
            for (std::size_t i = 0; i < names.size() && std::getline(cells, cell, ','); ++i) row[names[i]] = cell;
            rows.push_back(row);
        }
        return rows;
    }
    nlohmann::json summary(const fs::path& out) {
        std::ifstream in(out / "summary.json");
        return nlohmann::json::parse(in);
    }
};

// BERT-Base 1K, batch 2, on FuseMax: the default space (8 bindings, interleave, tiles, P1, buffers).
// The counts add up; every simulated point's bounds are below what it cost; the paper's mapping
// (the default) is on the front or matched by a front point; the EDP-optimal YAML run through
// fusemax-sim gives the cycles and energy the explorer reported; and pruning by bounds keeps the
// same front as simulating everything.
TEST_F(ExploreCli, FrontIsSimulatedAndReproducible) {
    const fs::path out = dir / "out";
    const ToolRun r = run(kExplore, "--seq 1024 --batch 2 --no-plot --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("Pareto-optimal"), std::string::npos);
    const nlohmann::json s = summary(out);
    const auto& n = s["counts"];
    EXPECT_EQ(n["enumerated"].get<int>(), 1024);
    EXPECT_EQ(n["enumerated"].get<int>(), n["pruned_capacity"].get<int>() + n["pruned_bound"].get<int>() +
                                              n["evaluated"].get<int>() + n["refused"].get<int>());
    EXPECT_GT(n["evaluated"].get<int>(), 100);
    const auto rows = csv(out / "points.csv");
    ASSERT_EQ(rows.size(), 1025u);
    double default_edp = 0, best_front_edp = 1e300;
    std::set<std::string> front;
    for (const auto& row : rows) {
        if (row.at("status") != "evaluated") continue;
        EXPECT_LE(std::stod(row.at("bound_latency_s")), std::stod(row.at("latency_s"))) << row.at("point");
        EXPECT_LE(std::stod(row.at("bound_energy_pj")), std::stod(row.at("energy_pj"))) << row.at("point");
        if (row.at("point") == "0") default_edp = std::stod(row.at("edp_js"));
        if (row.at("pareto") == "true") {
            best_front_edp = std::min(best_front_edp, std::stod(row.at("edp_js")));
            front.insert(row.at("latency_s") + "/" + row.at("energy_pj") + "/" + row.at("area_um2"));
        }
    }
    EXPECT_LE(best_front_edp, default_edp);
    EXPECT_NEAR(s["best"]["edp"]["edp_js"].get<double>(), best_front_edp, 1e-8 * best_front_edp);  // CSV: 9 digits

    const ToolRun sim = run(kSim, "--arch " + (out / "best_edp.yaml").string() +
                                  " --seq 1024 --batch 2 --mode timing --quiet --stats " + (dir / "s.json").string());
    ASSERT_EQ(sim.code, 0) << sim.err;
    std::ifstream in(dir / "s.json");
    const nlohmann::json stats = nlohmann::json::parse(in);
    EXPECT_EQ(stats["cycles"], s["best"]["edp"]["cycles"]);
    EXPECT_DOUBLE_EQ(stats["energy_pj"].get<double>(), s["best"]["edp"]["energy_pj"].get<double>());

    const fs::path all = dir / "all";
    ASSERT_EQ(run(kExplore, "--seq 1024 --batch 2 --no-plot --no-prune --quiet --out " + all.string()).code, 0);
    std::set<std::string> front_all;
    for (const auto& row : csv(all / "points.csv"))
        if (row.at("pareto") == "true") front_all.insert(row.at("latency_s") + "/" + row.at("energy_pj") + "/" + row.at("area_um2"));
    EXPECT_EQ(front, front_all);
    EXPECT_EQ(summary(all)["counts"]["pruned_bound"], 0);
}

// Hardware in the space: two array sizes and two GLBs. Area follows the hardware, smaller arrays
// are slower, and a point whose GLB the tables do not price has no energy and stays off the front.
TEST_F(ExploreCli, HardwareDimensions) {
    const std::string space = file("hw.yaml", "hardware:\n  pe_dim: [128, 256]\n  glb_bytes: [16M, 32M]\n");
    const fs::path out = dir / "out";
    const ToolRun r = run(kExplore, "--seq 1024 --no-plot --quiet --space " + space + " --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.err;
    std::map<std::string, std::map<std::string, std::string>> by_hw;
    for (const auto& row : csv(out / "points.csv"))
        if (row.at("point") != "0") by_hw[row.at("pe_dim") + "/" + row.at("glb_bytes")] = row;
    ASSERT_EQ(by_hw.size(), 4u);
    EXPECT_LT(std::stod(by_hw["256/16777216"].at("latency_s")), std::stod(by_hw["128/16777216"].at("latency_s")));
    EXPECT_LT(std::stod(by_hw["256/16777216"].at("area_um2")), std::stod(by_hw["256/33554432"].at("area_um2")));
    EXPECT_EQ(by_hw["128/16777216"].at("energy_pj"), "");  // 2048-bit rows: not in the tables
    EXPECT_EQ(by_hw["128/16777216"].at("pareto"), "false");
}

// binding: auto. LM, SLN and SLD on either array: 8 schedules, one of them the design's own; each
// placement on the 1D array costs ROWS times its 2D cycles and reads QK's tile from the GLB. Every
// one, written as an architecture file, runs functional attention that passes the fp64 check.
TEST_F(ExploreCli, EveryMixedBindingComputesAttention) {
    const ArchConfig base = load_arch_config(kConfigs + "/arch/fusemax.yaml");
    const std::vector<std::string> names = mixed_bindings(base);
    ASSERT_EQ(names.size(), 8u);
    EXPECT_EQ(names.front(), "auto:LM=pe2d+SLN=pe2d+SLD=pe2d");
    int index = 0;
    for (const std::string& name : names) {
        DesignPoint p;
        p.binding = name;
        const ArchConfig a = apply_point(base, p);
        EXPECT_EQ(a.schedule.binding(Op::SLN).array == ArrayKind::Pe1d, name.find("SLN=pe1d") != std::string::npos);
        if (a.schedule.binding(Op::LM).array == ArrayKind::Pe1d) {
            EXPECT_EQ(a.schedule.binding(Op::LM).cycles.text(), "(1) * ROWS");
            EXPECT_TRUE(a.schedule.binding(Op::QK).glb_write);
        }
        const std::string arch = file("b" + std::to_string(index++) + ".yaml", point_yaml(base.source, a, p, name));
        const ToolRun r = run(kSim, "--arch " + arch + " --heads 2 --seq 600 --causal --quiet --stats " + (dir / "s.json").string());
        ASSERT_EQ(r.code, 0) << name << "\n" << r.err;
        std::ifstream in(dir / "s.json");
        EXPECT_TRUE(nlohmann::json::parse(in)["check"]["passed"].get<bool>()) << name;
    }
}

// Grouped-query attention: stacking the group's heads is a dimension of the default space (which
// doubles), and head by head reads K and V once per query head: 4x the K/V bytes for groups of 4.
TEST_F(ExploreCli, GroupedQueryPacking) {
    const fs::path out = dir / "out";
    const std::string job = "--heads 8 --kv-heads 2 --seq 512 --causal --no-plot --quiet --out " + out.string();
    ASSERT_EQ(run(kExplore, job).code, 0);
    EXPECT_EQ(summary(out)["counts"]["enumerated"], 2048);
    const std::string space = file("gqa.yaml", "mapping: {stack_groups: [true, false]}\n");
    const ToolRun r = run(kExplore, job + " --space " + space);
    ASSERT_EQ(r.code, 0) << r.err;
    std::map<std::string, std::uint64_t> bytes;
    for (const auto& row : csv(out / "points.csv"))
        if (row.at("point") != "0") bytes[row.at("stack_groups")] = std::stoull(row.at("dram_bytes"));
    const std::uint64_t q_and_o = 2 * 8 * 512 * 64 * 2, kv_stacked = 2 * 2 * 512 * 64 * 2;
    EXPECT_EQ(bytes["true"], q_and_o + kv_stacked);
    EXPECT_EQ(bytes["false"], q_and_o + 4 * kv_stacked);
}

TEST_F(ExploreCli, BadInputIsOneLine) {
    auto bad = [&](const std::string& args, const std::string& needle) {
        const ToolRun r = run(kExplore, args);
        EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    };
    const std::string out = " --out " + (dir / "o").string();
    bad("--seq 1024", "--out: the output folder is required");
    bad("--objective speed" + out, "--objective: expected latency, energy or edp, got 'speed'");
    bad("--mode functional" + out, "--mode: not an explorer flag");
    bad("--seq 0" + out, "fusemax-explore: --seq: expected a positive length");
    bad("--jobs 0" + out, "--jobs: expected 1 to 9999");
    bad("--backend cloud" + out, "--backend: expected local or slurm, got 'cloud'");
    bad("--backend slurm --slurm-tasks 0" + out, "--slurm-tasks: expected 1 to 100000, got '0'");
    bad("--evaluate-points x" + out, "--evaluate-points and --evaluate-out go together");
    bad("--space " + file("s.yaml", "mapping: {p1: [x]}") + out, "key 'mapping.p1'");
    bad("--space " + (dir / "missing.yaml").string() + out, "cannot read the search space");
}

// --backend slurm without a cluster: a stand-in sbatch runs each array task at once (task 1
// never, as if its node died every time) and squeue reports the job gone. The tasks rerun the
// explorer on their share of the points: the rows equal the local ones with --no-prune (Slurm
// prunes nothing), task 1's points are marked failed with the reason, and the exit code is 1.
TEST_F(ExploreCli, SlurmBackendRerunsItselfPerTaskAndReportsLostTasks) {
    const std::string bin = (dir / "bin").string();
    file("bin/sbatch", R"(#!/bin/bash
for a in "$@"; do
  case $a in --array=*) tasks=${a#--array=} ;; esac
  prev=$a
done
script=${@: -1}
IFS=, read -ra ids <<<"$tasks"
for t in "${ids[@]}"; do
  [ "$t" = 1 ] && continue
  SLURM_ARRAY_TASK_ID=$t bash "$script" >"$(dirname "$script")/task-$t.log" 2>&1
done
echo 42
)");
    file("bin/squeue", "#!/bin/bash\nexit 0\n");
    fs::permissions(dir / "bin/sbatch", fs::perms::owner_all);
    fs::permissions(dir / "bin/squeue", fs::perms::owner_all);
    const std::string job = "--seq 1024 --batch 2 --no-plot --quiet --space " + file("s.yaml", "mapping:\n  p1: [auto, 1, 2, 4]\n");
    const fs::path local = dir / "local", slurm = dir / "slurm";
    ASSERT_EQ(run(kExplore, job + " --no-prune --out " + local.string()).code, 0);
    const ToolRun r = run("PATH=" + bin + ":$PATH " + kExplore, job + " --backend slurm --slurm-tasks 2 --out " + slurm.string());
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("points not simulated: their Slurm tasks failed twice"), std::string::npos) << r.err;
    const auto want = csv(local / "points.csv"), got = csv(slurm / "points.csv");
    ASSERT_EQ(want.size(), got.size());
    std::size_t failed = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (got[i].at("status") == "failed") {
            ++failed;
            EXPECT_NE(got[i].at("reason").find("slurm task 1 failed twice"), std::string::npos) << got[i].at("reason");
            continue;
        }
        EXPECT_EQ(want[i], got[i]) << "point " << i;
    }
    EXPECT_EQ(failed, 2u);  // the 5 points that fit, dealt to 2 tasks: task 1 had 2 of them
    EXPECT_EQ(summary(slurm)["counts"]["failed"], 2);
}

}  // namespace
}  // namespace fusemax
