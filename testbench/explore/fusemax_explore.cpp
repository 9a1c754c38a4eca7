// fusemax-explore: enumerates mappings (and hardware sizes) of a job, prunes what cannot fit or
// cannot improve the front, simulates the rest on the timing model and reports the Pareto front of
// latency, energy and area, with the best point per objective written as an architecture YAML.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <utility>

#include "fusemax/area/area_model.h"
#include "fusemax/config/config_error.h"
#include "explore/bounds.h"
#include "explore/fork_pool.h"
#include "fusemax/explore/pareto.h"
#include "fusemax/explore/search_space.h"
#include "sim/sim_run.h"
#include "fusemax/tiling/gemm_plan.h"
#include "fusemax/tiling/tiling.h"
#include "tool/exit_codes.h"
#include "tool/tool_main.h"

using namespace fusemax;
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTool = "fusemax-explore";
constexpr double kInf = std::numeric_limits<double>::infinity();
const char* const kObjectives[] = {"latency", "energy", "edp"};
constexpr std::size_t kPruneLag = 16;

struct ExploreOptions {
    std::optional<std::string> space_path;
    std::string objective = "edp";
    std::string out_dir;
    unsigned jobs = 0;
    bool prune = true;
    bool quiet = false;
    bool plot = true;
    SimOptions sim;
    // --backend slurm: the points that fit go to a Slurm job array (tools/slurm_array.py).
    bool slurm = false;
    unsigned slurm_tasks = 64;
    std::string slurm_partition, slurm_time, slurm_account, slurm_dir, slurm_wait = "86400";
    std::vector<std::string> args;  // the command line without the backend's flags: what a task reruns
    // Inside an array task: simulate the points (indices of points.csv) listed in this file, write
    // their results to evaluate_out, and nothing else.
    std::optional<std::string> evaluate_points, evaluate_out;
};

// The flags only the submitting explorer reads: an array task gets the rest, and a --jobs of its own.
bool backend_flag(const std::string& arg) {
    for (const char* f : {"--backend", "--jobs", "--slurm-tasks", "--slurm-partition", "--slurm-time", "--slurm-account",
                          "--slurm-dir", "--slurm-wait", "--evaluate-points", "--evaluate-out"})
        if (arg == f || arg.rfind(std::string(f) + "=", 0) == 0) return true;
    return false;
}

unsigned positive_flag(const po::variables_map& vm, const char* flag, unsigned max) {
    const std::string text = vm[flag].as<std::string>();
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(text) == 0 || std::stoul(text) > max)
        throw ConfigError(std::string(kTool) + ": --" + flag + ": expected 1 to " + std::to_string(max) + ", got '" + text + "'");
    return static_cast<unsigned>(std::stoul(text));
}

// fusemax-sim's flags pass through (the job and its shape); the explorer's own are taken here.
ExploreOptions parse(int argc, char** argv, bool& help) {
    po::options_description desc(
        "fusemax-explore: searches mappings and hardware sizes of a job on the FuseMax model and reports the Pareto\n"
        "front of latency, energy and area, every point simulated (timing mode, fast-forward on)\n"
        "Options (and fusemax-sim's --arch, --workload, shape flags, --layer, --gemm, --pe-dim, ...)");
    desc.add_options()("help,h", "print this help and exit")(
        "space", po::value<std::string>(), "search space YAML (default: the job's mappings on the architecture's hardware)")(
        "objective", po::value<std::string>(), "which best point to report first: latency, energy or edp (default)")(
        "out", po::value<std::string>(), "output folder (points.csv, pareto.csv, best_*.yaml, summary.json, front.png)")(
        "jobs", po::value<std::string>(), "simulations at once (default: the machine's cores)")(
        "no-prune", "simulate every point that fits (no pruning by bounds)")(
        "no-plot", "skip front.png")("quiet", "print nothing but errors")(
        "backend", po::value<std::string>(), "local (this machine's cores; default) or slurm (a job array; no pruning by bounds)")(
        "slurm-tasks", po::value<std::string>(), "slurm: array tasks, each a share of the points (default 64)")(
        "slurm-partition", po::value<std::string>(), "slurm: partition (default: the cluster's)")(
        "slurm-time", po::value<std::string>(), "slurm: time limit per task, e.g. 00:30:00")(
        "slurm-account", po::value<std::string>(), "slurm: account to charge")(
        "slurm-dir", po::value<std::string>(), "slurm: work folder on a filesystem the nodes share (default: OUT/slurm)")(
        "slurm-wait", po::value<std::string>(), "slurm: seconds to wait for the array before cancelling it (default 86400)");
    po::options_description hidden;
    hidden.add_options()("evaluate-points", po::value<std::string>(), "")("evaluate-out", po::value<std::string>(), "");
    po::options_description all_flags;
    all_flags.add(desc).add(hidden);
    po::variables_map vm;
    std::vector<std::string> rest;
    try {
        const auto parsed = po::command_line_parser(argc, argv).options(all_flags).allow_unregistered().run();
        po::store(parsed, vm);
        rest = po::collect_unrecognized(parsed.options, po::include_positional);
    } catch (const po::error& e) {
        throw ConfigError(std::string(kTool) + ": " + e.what() + " (see --help)");
    }
    ExploreOptions o;
    help = vm.count("help") > 0;
    if (help) {
        std::cout << desc << "\n";
        return o;
    }
    for (const std::string forbidden : {"--mode", "--stats", "--vcd", "--trace-json", "--q", "--k", "--v", "--a", "--w",
                                         "--inject-fault", "--trace-start", "--trace-stop"})
        for (const std::string& arg : rest)
            if (arg == forbidden || arg.rfind(forbidden + "=", 0) == 0)
                throw ConfigError(std::string(kTool) + ": " + forbidden +
                                  ": not an explorer flag (it simulates timing mode and writes its own outputs)");
    if (!vm.count("out")) throw ConfigError(std::string(kTool) + ": --out: the output folder is required");
    o.out_dir = vm["out"].as<std::string>();
    if (vm.count("space")) o.space_path = vm["space"].as<std::string>();
    if (vm.count("objective")) {
        o.objective = vm["objective"].as<std::string>();
        if (std::find(std::begin(kObjectives), std::end(kObjectives), o.objective) == std::end(kObjectives))
            throw ConfigError(std::string(kTool) + ": --objective: expected latency, energy or edp, got '" + o.objective + "'");
    }
    if (vm.count("jobs")) o.jobs = positive_flag(vm, "jobs", 9999);
    if (vm.count("backend")) {
        const std::string b = vm["backend"].as<std::string>();
        if (b != "local" && b != "slurm") throw ConfigError(std::string(kTool) + ": --backend: expected local or slurm, got '" + b + "'");
        o.slurm = b == "slurm";
    }
    if (vm.count("slurm-tasks")) o.slurm_tasks = positive_flag(vm, "slurm-tasks", 100000);
    if (vm.count("slurm-wait")) o.slurm_wait = std::to_string(positive_flag(vm, "slurm-wait", 100000000));
    auto text = [&](const char* flag, std::string& slot) {
        if (vm.count(flag)) slot = vm[flag].as<std::string>();
    };
    text("slurm-partition", o.slurm_partition);
    text("slurm-time", o.slurm_time);
    text("slurm-account", o.slurm_account);
    text("slurm-dir", o.slurm_dir);
    if (vm.count("evaluate-points")) o.evaluate_points = vm["evaluate-points"].as<std::string>();
    if (vm.count("evaluate-out")) o.evaluate_out = vm["evaluate-out"].as<std::string>();
    if (o.evaluate_points.has_value() != o.evaluate_out.has_value())
        throw ConfigError(std::string(kTool) + ": --evaluate-points and --evaluate-out go together");
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (backend_flag(arg)) {
            if (arg.find('=') == std::string::npos) ++i;  // its value
            continue;
        }
        o.args.push_back(arg);
    }
    o.prune = !vm.count("no-prune");
    o.plot = !vm.count("no-plot");
    o.quiet = vm.count("quiet") > 0;

    std::string sim_help;
    o.sim = parse_sim_options_as(kTool, rest, sim_help);
    o.sim.functional = false;
    o.sim.check = false;
    o.sim.quiet = true;
    return o;
}

// A point the explorer looked at, and what became of it.
struct Candidate {
    DesignPoint point;
    std::optional<ArchConfig> arch;  // the point applied (none: it did not fit)
    std::string status = "evaluated";  // evaluated, pruned_capacity, pruned_bound, refused
    std::string reason;
    Costs bound{0, 0, 0};
    nlohmann::json result;  // the simulation's figures
    Costs costs{kInf, kInf, kInf};
    bool pareto = false;
};

// Does every kernel's working set fit this point's GLB? (the scheduler's own planning, run here on
// the kernels planned for the point, so with its GEMM tiles).
void check_capacity(const ArchConfig& a, const std::vector<LayerKernel>& kernels) {
    for (const LayerKernel& k : kernels) {
        if (k.job.program == "gemm") {
            plan_gemm(a, k.job.gemm);
        } else {
            const Workload w = as_mapped(k.job, a.tiling.stack_groups).shape;
            plan_glb(a, w, choose_tiling(a, w));
        }
    }
}

std::vector<Job> jobs_of(const std::vector<LayerKernel>& kernels) {
    std::vector<Job> jobs;
    for (const LayerKernel& k : kernels) jobs.push_back(k.job);
    return jobs;
}

constexpr const char* kEnergyParts[] = {"energy_dram_pj", "energy_glb_pj", "energy_pe2d_pj", "energy_pe1d_pj"};

// What a child sends back: the figures the explorer reports.
std::string simulate(const SimOptions& o, const ArchConfig& a) {
    nlohmann::json stats;
    const int code = run_simulation(o, a, &stats);
    if (code != kExitOk) throw std::runtime_error("fusemax-sim exit code " + std::to_string(code));
    nlohmann::json r;
    r["cycles"] = stats["cycles"];
    r["latency_s"] = stats["latency_s"];
    r["energy_pj"] = stats.contains("energy_pj") ? stats["energy_pj"] : nlohmann::json(nullptr);
    r["energy_unavailable"] = stats.value("energy_unavailable", "");
    r["area_um2"] = stats["area_um2"];
    r["area_unavailable"] = stats.value("area_unavailable", "");
    r["dram_bytes"] = stats["dram_bytes"];
    for (const char* part : kEnergyParts) r[part] = stats[part];
    r["util_2d"] = stats["util_2d"];
    r["util_1d"] = stats["util_1d"];
    if (stats.contains("tiling") && stats["tiling"].contains("p1")) r["p1_used"] = stats["tiling"]["p1"];
    else if (stats.contains("kernels"))
        for (const auto& k : stats["kernels"])
            if (k.contains("tiling") && k["tiling"].contains("p1")) r["p1_used"] = k["tiling"]["p1"];
    return r.dump();
}

Costs costs_of(const nlohmann::json& r) {
    auto value = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : kInf; };
    return {r["latency_s"].get<double>(), value(r["energy_pj"]), value(r["area_um2"])};
}

double edp(const Costs& c) { return c[0] * c[1] * 1e-12; }  // J s

std::string binding_name(const std::string& path) {
    if (path.empty()) return "own";
    return path.rfind(kAutoBinding + ":", 0) == 0 ? path : fs::path(path).stem().string();
}

std::string csv_number(double v) {
    if (!std::isfinite(v)) return "";
    char b[64];
    std::snprintf(b, sizeof b, "%.9g", v);
    return b;
}

std::string energy_parts(const nlohmann::json& r) {
    std::string s;
    for (const char* part : kEnergyParts) s += (r.is_object() && r[part].is_number() ? csv_number(r[part].get<double>()) : std::string()) + ",";
    return s;
}

const std::string kColumns =
    "point,status,binding,interleave,stack_groups,m0,p0,p1,double_buffer,gemm_m0,gemm_n0,gemm_block_rows,gemm_order,pe_dim,glb_bytes,"
    "dram_gib_per_s,clock_mhz,cycles,latency_s,energy_pj,area_um2,edp_js,dram_bytes,util_2d,util_1d,p1_used,"
    "energy_dram_pj,energy_glb_pj,energy_pe2d_pj,energy_pe1d_pj,"
    "bound_latency_s,bound_energy_pj,pareto,reason";

std::string csv_row(std::size_t index, const Candidate& c) {
    const DesignPoint& p = c.point;
    std::string reason = c.reason;
    std::replace(reason.begin(), reason.end(), '"', '\'');
    std::string row = std::to_string(index) + "," + c.status + "," + binding_name(p.binding) + "," +
                      (p.interleave ? "true" : "false") + "," + (p.stack_groups ? "true" : "false") + ",";
    if (c.arch) {
        const ArchConfig& a = *c.arch;
        row += std::to_string(tile_keys(a)) + "," + std::to_string(tile_queries(a)) + "," +
               (a.tiling.p1 ? std::to_string(a.tiling.p1) : "auto") + "," + (p.double_buffer ? "true" : "false") + "," +
               (a.tiling.gemm_m0 ? std::to_string(a.tiling.gemm_m0) : "full") + "," +
               (a.tiling.gemm_n0 ? std::to_string(a.tiling.gemm_n0) : "full") + "," +
               (a.tiling.gemm_block_rows ? std::to_string(a.tiling.gemm_block_rows) : "auto") + "," +
               gemm_order_name(a.tiling.gemm_order) + "," + std::to_string(a.pe2d.rows) + "," + std::to_string(a.glb.capacity_bytes) + "," +
               csv_number(a.dram.bandwidth_bytes_per_s / double(1ull << 30)) + "," + csv_number(a.clock_hz / 1e6) + ",";
    } else {
        row += std::to_string(p.m0) + "," + std::to_string(p.p0) + "," + std::to_string(p.p1) + "," +
               (p.double_buffer ? "true" : "false") + "," + std::to_string(p.gemm_m0) + "," + std::to_string(p.gemm_n0) +
               "," + std::to_string(p.gemm_block_rows) + "," + gemm_order_name(p.gemm_order) + "," + std::to_string(p.pe_dim) + "," + std::to_string(p.glb_bytes) +
               "," + csv_number(p.dram_gib_per_s) + "," + csv_number(p.clock_mhz) + ",";
    }
    const nlohmann::json& r = c.result;
    const bool ran = !r.is_null();
    row += (ran ? std::to_string(r["cycles"].get<std::uint64_t>()) : "") + "," + (ran ? csv_number(c.costs[0]) : "") + "," +
           (ran ? csv_number(c.costs[1]) : "") + "," + (ran ? csv_number(c.costs[2]) : "") + "," +
           (ran ? csv_number(edp(c.costs)) : "") + "," + (ran ? std::to_string(r["dram_bytes"].get<std::uint64_t>()) : "") +
           "," + (ran ? csv_number(r["util_2d"].get<double>()) : "") + "," + (ran ? csv_number(r["util_1d"].get<double>()) : "") +
           "," + (ran && r.contains("p1_used") ? std::to_string(r["p1_used"].get<std::uint64_t>()) : "") + "," +
           energy_parts(r) +
           (c.arch ? csv_number(c.bound[0]) + "," + csv_number(c.bound[1]) : ",") + "," + (c.pareto ? "true" : "false") +
           ",\"" + reason + "\"";
    return row;
}

// Why `c` costs what it does against the default `d`: the ratios and what moved them.
std::string explain(const Candidate& c, const Candidate& d) {
    if (c.costs == d.costs) return "the default mapping itself (or one that costs exactly the same)";
    char b[512];
    const nlohmann::json &x = c.result, &y = d.result;
    std::snprintf(b, sizeof b, "latency x%.4f (2D array busy %.3f vs %.3f, DRAM bytes x%.3f)", c.costs[0] / d.costs[0],
                  x["util_2d"].get<double>(), y["util_2d"].get<double>(),
                  double(x["dram_bytes"].get<std::uint64_t>()) / double(y["dram_bytes"].get<std::uint64_t>()));
    std::string s = b;
    if (x["energy_pj"].is_number() && y["energy_pj"].is_number()) {
        s += ", energy x" + csv_number(c.costs[1] / d.costs[1]) + " (";
        const char* sep = "";
        for (const char* part : kEnergyParts) {
            const double a = x[part].get<double>(), z = y[part].get<double>();
            const std::string name = std::string(part).substr(7, std::string(part).size() - 10);  // energy_<name>_pj
            std::snprintf(b, sizeof b, "%s%s %+.1f%%", sep, name.c_str(), z > 0 ? 100 * (a / z - 1) : 0.0);
            s += b;
            sep = ", ";
        }
        s += ")";
    }
    if (c.costs[2] != d.costs[2]) s += ", area x" + csv_number(c.costs[2] / d.costs[2]);
    return s;
}

double cpu_seconds() {
    double s = 0;
    for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
        rusage u{};
        getrusage(who, &u);
        s += double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
    }
    return s;
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    f << text;
    f.close();
    if (!f) throw ConfigError(std::string(kTool) + ": --out: cannot write " + p.string());
}

std::string describe(const Candidate& c) {
    const ArchConfig& a = *c.arch;
    std::string s = "binding " + binding_name(c.point.binding) + (a.schedule.interleave ? ", interleaved" : ", not interleaved") +
                    ", tiles " + std::to_string(tile_keys(a)) + "x" + std::to_string(tile_queries(a)) + ", P1 " +
                    (a.tiling.p1 ? std::to_string(a.tiling.p1) : "auto") +
                    (c.result.contains("p1_used") ? " (" + std::to_string(c.result["p1_used"].get<std::uint64_t>()) + ")" : "") +
                    (a.tiling.double_buffer ? ", double-buffered" : ", single-buffered") +
                    (a.tiling.stack_groups ? "" : ", query heads one by one");
    if (a.tiling.gemm_m0 || a.tiling.gemm_n0 || a.tiling.gemm_block_rows || a.tiling.gemm_order == GemmOrder::WTiles)
        s += ", GEMM tiles " + (a.tiling.gemm_m0 ? std::to_string(a.tiling.gemm_m0) : std::string("full")) + "x" +
             (a.tiling.gemm_n0 ? std::to_string(a.tiling.gemm_n0) : std::string("full")) + " A block " +
             (a.tiling.gemm_block_rows ? std::to_string(a.tiling.gemm_block_rows) : std::string("auto")) +
             (a.tiling.gemm_order == GemmOrder::WTiles ? ", W tiles outermost" : "");
    s += "; PE " + std::to_string(a.pe2d.rows) + ", GLB " + std::to_string(a.glb.capacity_bytes >> 10) + " KiB, DRAM " +
         csv_number(a.dram.bandwidth_bytes_per_s / double(1ull << 30)) + " GiB/s, " + csv_number(a.clock_hz / 1e6) + " MHz";
    return s;
}

// What became of a point's simulation, wherever it ran.
void record(Candidate& c, const ForkResult& r) {
    if (r.ok) {
        c.result = nlohmann::json::parse(r.output);
        c.costs = costs_of(c.result);
    } else {
        c.status = "refused";
        c.reason = r.output;
    }
}

std::string quoted(const std::string& s) {
    std::string q = "'";
    for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return q + "'";
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Inside an array task: the listed points, simulated here, into one JSON file.
int evaluate_listed(const ExploreOptions& o, const std::vector<Candidate>& all, unsigned workers) {
    std::vector<std::size_t> points;
    std::istringstream list(slurp(*o.evaluate_points));
    for (std::size_t i; list >> i;) {
        if (i >= all.size() || !all[i].arch)
            throw ConfigError(std::string(kTool) + ": --evaluate-points: " + *o.evaluate_points + ": no point " + std::to_string(i) + " that fits");
        points.push_back(i);
    }
    const auto results = run_forked(points.size(), workers, [&](std::size_t k) { return simulate(o.sim, *all[points[k]].arch); });
    nlohmann::json out = nlohmann::json::object();
    for (std::size_t k = 0; k < points.size(); ++k)
        out[std::to_string(points[k])] = {{"ok", results[k].ok}, {"output", results[k].output}};
    write_file(*o.evaluate_out + ".tmp", out.dump() + "\n");
    fs::rename(*o.evaluate_out + ".tmp", *o.evaluate_out);
    return kExitOk;
}

// --backend slurm: the points in `order` dealt round-robin to array tasks, each of which reruns this
// explorer on its share (--evaluate-points); tools/slurm_array.py submits, waits and resubmits once.
// Returns how many points no task could simulate.
std::size_t evaluate_on_slurm(const ExploreOptions& o, const std::vector<std::size_t>& order, std::vector<Candidate>& all) {
    const fs::path work = fs::absolute(o.slurm_dir.empty() ? fs::path(o.out_dir) / "slurm" : fs::path(o.slurm_dir));
    std::error_code ec;
    fs::create_directories(work, ec);
    if (!fs::is_directory(work)) throw ConfigError(std::string(kTool) + ": --slurm-dir: cannot create " + work.string());
    const std::size_t tasks = std::min<std::size_t>(o.slurm_tasks, order.size());
    std::vector<std::vector<std::size_t>> chunks(tasks);
    for (std::size_t k = 0; k < order.size(); ++k) chunks[k % tasks].push_back(order[k]);
    const unsigned per_task = o.jobs ? o.jobs : 1;
    nlohmann::json commands = nlohmann::json::array();
    for (std::size_t t = 0; t < tasks; ++t) {
        std::string list;
        for (std::size_t i : chunks[t]) list += std::to_string(i) + "\n";
        const fs::path chunk = work / ("points-" + std::to_string(t) + ".txt");
        write_file(chunk, list);
        std::vector<std::string> cmd{fs::read_symlink("/proc/self/exe").string()};
        cmd.insert(cmd.end(), o.args.begin(), o.args.end());
        for (const std::string& extra : {std::string("--jobs"), std::to_string(per_task), std::string("--evaluate-points"),
                                         chunk.string(), std::string("--evaluate-out"), (work / ("task-" + std::to_string(t) + ".json")).string()})
            cmd.push_back(extra);
        if (!o.quiet) cmd.push_back("--quiet");
        commands.push_back(cmd);
    }
    write_file(work / "commands.json", commands.dump() + "\n");
    const fs::path script = fs::path(data_dir()).parent_path() / "tools" / "slurm_array.py";
    std::string cmd = "/usr/bin/python3 " + quoted(script.string()) + " --work " + quoted(work.string()) + " --commands " +
                      quoted((work / "commands.json").string()) + " --name " + kTool + " --cpus " + std::to_string(per_task) +
                      " --wait " + o.slurm_wait;
    for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--partition", &o.slurm_partition},
                                      {"--time", &o.slurm_time}, {"--account", &o.slurm_account}})
        if (!value->empty()) cmd += std::string(" ") + flag + " " + quoted(*value);
    cmd += " >" + quoted((work / "submitted.json").string()) + " 2>" + quoted((work / "submitted.log").string());
    std::fflush(stdout);
    const int status = std::system(cmd.c_str());
    const std::string log = slurp(work / "submitted.log");
    if (!o.quiet) std::fputs(log.c_str(), stderr);
    if (status != 0) {
        std::string last = log.substr(0, log.find_last_not_of('\n') + 1);
        last = last.substr(last.find_last_of('\n') + 1);
        throw ConfigError(last.empty() ? std::string(kTool) + ": --backend slurm: " + script.string() + " failed" : last);
    }
    const nlohmann::json submitted = nlohmann::json::parse(slurp(work / "submitted.json"));
    std::size_t lost = 0;
    for (std::size_t t = 0; t < tasks; ++t) {
        const std::string key = std::to_string(t);
        if (submitted["failed"].contains(key)) {
            for (std::size_t i : chunks[t]) {
                all[i].status = "failed";
                all[i].reason = submitted["failed"][key].get<std::string>();
                ++lost;
            }
            continue;
        }
        const nlohmann::json results = nlohmann::json::parse(slurp(work / ("task-" + key + ".json")));
        for (std::size_t i : chunks[t]) {
            const nlohmann::json& r = results.at(std::to_string(i));
            ForkResult f;
            f.ok = r["ok"].get<bool>();
            f.output = r["output"].get<std::string>();
            record(all[i], f);
        }
    }
    return lost;
}

int run(int argc, char** argv) {
    bool help = false;
    ExploreOptions o = parse(argc, argv, help);
    if (help) return kExitOk;
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();

    const ArchConfig base = arch_from_options(o.sim, kTool);
    const PlannedRun planned = plan_jobs(o.sim, base);
    const std::vector<Job> jobs = jobs_of(planned.kernels);
    bool grouped = false;
    for (const Job& j : jobs) grouped = grouped || (j.program != "gemm" && j.shape.group() > 1);
    SearchSpace space = o.space_path ? load_search_space(*o.space_path) : default_search_space(base, planned.kind, grouped);
    expand_bindings(space, base);
    if (space.size() > 1000000)
        throw ConfigError(std::string(kTool) + ": " + space.source + ": " + std::to_string(space.size()) +
                          " points; at most 1,000,000 (fix some dimensions)");
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (!fs::is_directory(o.out_dir))
        throw ConfigError(std::string(kTool) + ": --out: cannot create the folder " + o.out_dir);

    // Candidate 0 is the architecture as given: the default mapping every result is compared with.
    std::vector<Candidate> all(1);
    all[0].arch = base;
    for (const DesignPoint& p : enumerate(space)) {
        Candidate c;
        c.point = p;
        all.push_back(std::move(c));
    }
    std::size_t capacity_pruned = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        Candidate& c = all[i];
        try {
            if (i) c.arch = apply_point(base, c.point);
            const PlannedRun point = plan_jobs(o.sim, *c.arch);
            check_capacity(*c.arch, point.kernels);
            const auto area = area_of(*c.arch).total_um2();
            c.bound = lower_bounds(*c.arch, jobs_of(point.kernels), area ? *area : kInf);
        } catch (const ConfigError& e) {
            if (i == 0) throw;  // the default mapping must run
            c.arch.reset();
            c.status = "pruned_capacity";
            c.reason = e.what();
            ++capacity_pruned;
        }
    }
    // Simulated in order of their latency bounds, so that fast points can prune slow ones.
    std::vector<std::size_t> order;
    for (std::size_t i = 1; i < all.size(); ++i)
        if (all[i].arch) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return all[x].bound[0] < all[y].bound[0]; });
    order.insert(order.begin(), 0);

    const unsigned workers = o.jobs ? o.jobs : std::max(1u, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN)));
    if (o.evaluate_points) return evaluate_listed(o, all, workers);
    std::size_t lost = 0;
    if (o.slurm) {
        lost = evaluate_on_slurm(o, order, all);
    } else {
        // Point k is pruned against the points simulated at least kPruneLag places before it in the
        // order, never against whichever happened to finish first: the same rows for any --jobs.
        std::vector<Costs> simulated;
        std::vector<char> ended(order.size(), 0);
        std::size_t settled = 0, admitted = 0, finished = 0;
        auto ready = [&](std::size_t k) {
            while (settled < order.size() && ended[settled]) ++settled;
            return k < kPruneLag || settled >= k - kPruneLag;
        };
        auto skip = [&](std::size_t k) {
            for (; admitted + kPruneLag < k; ++admitted)
                if (!all[order[admitted]].result.is_null()) simulated.push_back(all[order[admitted]].costs);
            Candidate& c = all[order[k]];
            if (!o.prune || k == 0 || !bound_dominated(c.bound, simulated)) return false;
            c.status = "pruned_bound";
            ended[k] = 1;
            return true;
        };
        run_forked(
            order.size(), workers, [&](std::size_t k) { return simulate(o.sim, *all[order[k]].arch); },
            [&](std::size_t k, const ForkResult& r) {
                record(all[order[k]], r);
                ended[k] = 1;
                if (!o.quiet && isatty(2) && (++finished % 50 == 0))
                    std::fprintf(stderr, "%s: %zu simulated\n", kTool, finished);
            },
            skip, ready);
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double cpu = cpu_seconds() - cpu_start;

    // The front over the points with every cost known (the default included).
    std::vector<std::size_t> priced;
    std::vector<Costs> costs;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].status == "evaluated" && std::isfinite(all[i].costs[1]) && std::isfinite(all[i].costs[2])) {
            priced.push_back(i);
            costs.push_back(all[i].costs);
        }
    for (std::size_t f : pareto_front(costs)) all[priced[f]].pareto = true;
    std::size_t evaluated = 0, refused = 0, bound_pruned = 0, front = 0, failed = 0;
    for (std::size_t i = 1; i < all.size(); ++i) {
        evaluated += all[i].status == "evaluated";
        failed += all[i].status == "failed";
        refused += all[i].status == "refused";
        bound_pruned += all[i].status == "pruned_bound";
        front += all[i].pareto;
    }
    if (all[0].status != "evaluated") throw ConfigError(std::string(kTool) + ": the default mapping failed: " + all[0].reason);

    // Best per objective (ties: the lower index, so the default wins a tie).
    auto best_by = [&](const std::string& objective) -> std::optional<std::size_t> {
        std::optional<std::size_t> best;
        auto key = [&](std::size_t i) {
            const Costs& c = all[i].costs;
            return objective == "latency" ? c[0] : objective == "energy" ? c[1] : edp(c);
        };
        for (std::size_t i : priced)
            if (!best || key(i) < key(*best)) best = i;
        if (!best && objective == "latency")  // latency needs no prices
            for (std::size_t i = 0; i < all.size(); ++i)
                if (all[i].status == "evaluated" && (!best || key(i) < key(*best))) best = i;
        return best;
    };

    std::string points_csv = kColumns + "\n", pareto_csv = kColumns + "\n";
    for (std::size_t i = 0; i < all.size(); ++i) {
        points_csv += csv_row(i, all[i]) + "\n";
        if (all[i].pareto) pareto_csv += csv_row(i, all[i]) + "\n";
    }
    const fs::path out(o.out_dir);
    write_file(out / "points.csv", points_csv);
    write_file(out / "pareto.csv", pareto_csv);

    nlohmann::json summary;
    summary["workload"] = planned.kind;
    summary["arch"] = base.source;
    summary["space"] = space.source;
    summary["counts"] = {{"enumerated", all.size() - 1}, {"pruned_capacity", capacity_pruned}, {"pruned_bound", bound_pruned},
                         {"evaluated", evaluated}, {"refused", refused}, {"failed", failed}, {"pareto", front}};
    // Measurements of this machine, apart from the results (which diff clean run to run).
    summary["host"] = {{"wall_s", wall}, {"cpu_s", cpu}, {"evaluated_per_s", wall > 0 ? double(evaluated + 1) / wall : 0.0},
                       {"workers", workers}, {"backend", o.slurm ? "slurm" : "local"}};
    auto point_json = [&](std::size_t i) {
        const Candidate& c = all[i];
        return nlohmann::json{{"point", i}, {"mapping", describe(c)}, {"cycles", c.result["cycles"]},
                              {"latency_s", c.costs[0]}, {"energy_pj", std::isfinite(c.costs[1]) ? nlohmann::json(c.costs[1]) : nlohmann::json(nullptr)},
                              {"area_um2", std::isfinite(c.costs[2]) ? nlohmann::json(c.costs[2]) : nlohmann::json(nullptr)},
                              {"edp_js", std::isfinite(c.costs[1]) ? nlohmann::json(edp(c.costs)) : nlohmann::json(nullptr)}};
    };
    summary["default"] = point_json(0);
    const std::string job_text = planned.kind + " on " + base.name + " (" + base.source + ")";
    for (const char* objective : kObjectives) {
        const auto best = best_by(objective);
        if (!best) continue;
        nlohmann::json b = point_json(*best);
        const Costs& d = all[0].costs;
        const Costs& c = all[*best].costs;
        b["vs_default"] = {{"latency", c[0] / d[0]}, {"energy", c[1] / d[1]}, {"edp", edp(c) / edp(d)}};
        b["why"] = explain(all[*best], all[0]);
        const std::string file = std::string("best_") + objective + ".yaml";
        b["yaml"] = file;
        summary["best"][objective] = b;
        const std::string header = std::string(kTool) + ": the " + objective + "-optimal point (" + std::to_string(*best) +
                                   " of points.csv) for " + job_text + "\n" + describe(all[*best]) + "\ncycles " +
                                   std::to_string(all[*best].result["cycles"].get<std::uint64_t>()) +
                                   ", latency " + csv_number(c[0]) + " s, energy " + csv_number(c[1]) + " pJ, area " +
                                   csv_number(c[2]) + " um^2";
        write_file(out / file, point_yaml(base.source, *all[*best].arch, all[*best].point, header));
    }
    write_file(out / "summary.json", summary.dump(2) + "\n");

    if (o.plot) {
        const fs::path script = fs::path(data_dir()).parent_path() / "tools" / "explore_plot.py";
        const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + o.out_dir + "' >/dev/null 2>&1";
        if (!fs::exists(script) || std::system(cmd.c_str()) != 0)
            std::fprintf(stderr, "%s: front.png not drawn (needs %s and python3-matplotlib)\n", kTool, script.c_str());
    }

    if (!o.quiet) {
        std::printf("%s: %s\n", kTool, job_text.c_str());
        std::printf("  space        %s: %zu points\n", space.source.c_str(), all.size() - 1);
        std::printf("  pruned       %zu by capacity, %zu by bounds (dominated before simulation)\n", capacity_pruned, bound_pruned);
        std::printf("  evaluated    %zu simulated (+ the default), %zu refused, %zu Pareto-optimal\n", evaluated, refused, front);
        const std::string where = o.slurm ? "a Slurm array of " + std::to_string(std::min<std::size_t>(o.slurm_tasks, order.size())) + " tasks"
                                          : std::to_string(workers) + " workers";
        std::printf("  time         %.2f s wall, %.2f s CPU here, %.1f points/s on %s\n", wall, cpu,
                    summary["host"]["evaluated_per_s"].get<double>(), where.c_str());
        const Costs& d = all[0].costs;
        std::printf("  default      %s: %.6g s, %.6g pJ, EDP %.6g J s\n", describe(all[0]).c_str(), d[0], d[1], edp(d));
        std::vector<std::string> order_printed{o.objective};
        for (const char* objective : kObjectives)
            if (objective != o.objective) order_printed.push_back(objective);
        for (const std::string& objective : order_printed) {
            if (!summary["best"].contains(objective)) continue;
            const nlohmann::json& b = summary["best"][objective];
            std::printf("  best %-7s %s: %.6g s (%.4fx), EDP %.4fx of default -> %s\n", objective.c_str(),
                        b["mapping"].get<std::string>().c_str(), b["latency_s"].get<double>(), b["vs_default"]["latency"].get<double>(),
                        b["vs_default"]["edp"].get<double>(), (out / b["yaml"].get<std::string>()).c_str());
            std::printf("               %s\n", b["why"].get<std::string>().c_str());
        }
    }
    if (lost) {
        std::fprintf(stderr, "%s: %zu points not simulated: their Slurm tasks failed twice (status failed in points.csv)\n", kTool, lost);
        return kExitCheckFailed;
    }
    return kExitOk;
}

}  // namespace

int sc_main(int argc, char** argv) { return run_tool(kTool, [&] { return run(argc, argv); }); }
