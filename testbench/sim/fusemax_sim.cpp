// fusemax-sim: one attention job on the FuseMax model, checked against the fp64 reference.
#include <systemc>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "program/tile_registers.h"
#include "config/arch_config.h"
#include "config/config_error.h"
#include "config/yaml_map.h"
#include "csr/fusemax_regs.h"
#include "io/files.h"
#include "io/npy.h"
#include "numerics/attention.h"
#include "numerics/error_bound.h"
#include "platform/job_platform.h"
#include "platform/example_platform.h"
#include "report/run_report.h"
#include "report/trace_json.h"
#include "sim/sim_options.h"
#include "tool/host_memory.h"
#include "tool/tool_main.h"
#include "tool/vcd_output.h"
#include "top/fusemax.h"
#include "util/checked_math.h"

using namespace fusemax;

namespace {

// Every output file, opened before anything runs so that a path that cannot be written fails at
// once; written and closed (each failure reported) at the end.
struct Outputs {
    std::unique_ptr<OutputFile> stats, trace_json, out;
    std::unique_ptr<VcdOutput> vcd;

    explicit Outputs(const SimOptions& o) {
        if (o.stats_path) stats = std::make_unique<OutputFile>(*o.stats_path, "--stats");
        if (o.trace_json_path) trace_json = std::make_unique<OutputFile>(*o.trace_json_path, "--trace-json");
        if (o.out_path) out = std::make_unique<OutputFile>(*o.out_path, "--out");
        if (o.vcd_path) vcd = std::make_unique<VcdOutput>(*o.vcd_path, "--vcd");
    }
};

void refuse_non_finite(const Tensor4& t, const std::string& file, const char* flag) {
    if (const auto at = first_non_finite(t))
        throw ConfigError(file + " (" + flag + "): element [" + std::to_string((*at)[0]) + "," +
                          std::to_string((*at)[1]) + "," + std::to_string((*at)[2]) + "," + std::to_string((*at)[3]) +
                          "] is not finite (NaN or Inf): expected finite values");
}

// Shapes come from the .npy files unless a workload or shape flags say otherwise.
AttentionInputs npy_inputs(const SimOptions& o, Workload& w) {
    AttentionInputs in;
    if (!o.workload_path && !o.shape_flags_given()) {
        in.q = read_npy(*o.q_path, "--q");
        w.batch = in.q.shape[0];
        w.heads = in.q.shape[1];
        w.seq_q = in.q.shape[2];
        w.head_dim = in.q.shape[3];
        w.name = "npy";
        in.k = read_npy(*o.k_path, "--k");
        w.seq_kv = in.k.shape[2];
        in.v = read_npy(*o.v_path, "--v");
        w.v_dim = in.v.shape[3];
        in.k = read_npy(*o.k_path, "--k", {w.batch, w.heads, w.seq_kv, w.head_dim});
        in.v = read_npy(*o.v_path, "--v", {w.batch, w.heads, w.seq_kv, w.v_dim});
        validate_workload(w, *o.q_path + " (--q)");
    } else {
        in.q = read_npy(*o.q_path, "--q", {w.batch, w.heads, w.seq_q, w.head_dim});
        in.k = read_npy(*o.k_path, "--k", {w.batch, w.heads, w.seq_kv, w.head_dim});
        in.v = read_npy(*o.v_path, "--v", {w.batch, w.heads, w.seq_kv, w.v_dim});
    }
    refuse_non_finite(in.q, *o.q_path, "--q");
    refuse_non_finite(in.k, *o.k_path, "--k");
    refuse_non_finite(in.v, *o.v_path, "--v");
    return in;
}

// Host memory a functional run allocates, by part, and the check that it is there. Sizes were
// validated (no product overflows), so plain arithmetic is exact here.
void check_host_memory(const ArchConfig& a, const Workload& w, const Job& job, const SimOptions& o) {
    const std::uint64_t pairs = w.pairs();
    const std::uint64_t inputs = 4 * pairs * (w.seq_q * w.head_dim + w.seq_kv * (w.head_dim + w.v_dim));
    const std::uint64_t outputs = (4 + 8) * pairs * w.seq_q * w.v_dim;  // O read back, fp64 reference
    const std::uint64_t platform = job.packed_end();
    const std::uint64_t chip = 4 * a.glb_capacity_words() +
                               2 * TileRegisters::bytes(a.pe2d.rows, a.pe2d.cols, w.head_dim, w.v_dim);
    const std::uint64_t process = 64ull << 20;  // the program, SystemC and the standard library
    const std::uint64_t need = inputs + outputs + platform + chip + process;
    HostMemory have = available_host_memory();
    if (o.max_memory && *o.max_memory < have.bytes) have = {*o.max_memory, "--max-memory"};
    if (need <= have.bytes) return;
    throw ConfigError("fusemax-sim: functional mode needs about " + format_bytes(need) + " for this job (inputs " +
                      format_bytes(inputs) + ", platform memory " + format_bytes(platform) + ", O and its fp64 " +
                      "reference " + format_bytes(outputs) + ", GLB and PE registers " + format_bytes(chip) +
                      "), but " + format_bytes(have.bytes) + " are available (" + have.source +
                      "): use --mode timing, which stores no tensors, or a smaller shape");
}

std::string thousands(std::uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
    return s;
}

// The numerical check: against the derived error bound, or against --tolerance when given.
struct Check {
    ErrorStats error;
    CheckBound bound;
    double tolerance = 0;  // on the normwise relative error
    bool user_tolerance = false;
    bool passed() const {
        return user_tolerance ? error.max_rel_error <= tolerance : error.max_abs_error <= bound.abs_bound;
    }
};

Check check_output(const Tensor4& out, AttentionInputs in, const Workload& w, const ArchConfig& a,
                   const SimOptions& o) {
    round_to_storage(in, o.dtype);
    double max_logit = 0;
    Check c;
    c.error = compare(out, attention_reference_fp64(in.q, in.k, in.v, w.scale, &max_logit));
    c.bound = attention_error_bound(in.q, in.k, in.v, w.scale, max_logit, c.error.max_abs_ref,
                                    o.dtype == ElemType::F16 ? 0x1p-11 : 0.0, a.pe2d.rows);
    c.user_tolerance = o.tolerance_given;
    c.tolerance = o.tolerance_given ? o.tolerance : c.bound.rel_bound;
    return c;
}

void print_summary(const FuseMax& top, const Workload& w, const RunSummary& s, bool functional,
                   const std::optional<Check>& check, double wall) {
    const ArchConfig& a = top.arch();
    const Tiling& t = top.scheduler().tiling();
    const double total = s.energy.total_pj();
    auto pct = [total](double x) { return total > 0 ? 100.0 * x / total : 0.0; };
    std::printf("%s (%s) on %s: B=%llu H=%llu P=%llu M=%llu E=%llu F=%llu, %s mode\n", a.name.c_str(),
                a.design.c_str(), w.name.c_str(), (unsigned long long)w.batch, (unsigned long long)w.heads,
                (unsigned long long)w.seq_q, (unsigned long long)w.seq_kv, (unsigned long long)w.head_dim,
                (unsigned long long)w.v_dim, functional ? "functional" : "timing");
    std::printf("  tiling       M0=%u P0=%u M1=%llu P1=%llu P2=%llu, %s tile steps\n", t.m0, t.p0,
                (unsigned long long)t.m1, (unsigned long long)t.p1, (unsigned long long)t.p2,
                thousands(s.tile_steps).c_str());
    std::printf("  cycles       %s (compute %s after a DRAM prologue of %s)\n", thousands(s.cycles).c_str(),
                thousands(s.compute_cycles).c_str(), thousands(s.compute_start).c_str());
    std::printf("  seconds      %.9g at %.0f MHz\n", s.seconds, a.clock_hz / 1e6);
    std::printf("  energy       %.6e pJ (DRAM %.2f%%, GLB %.2f%%, 2D %.2f%%, 1D %.2f%%)\n", total, pct(s.energy.dram_pj),
                pct(s.energy.glb_pj), pct(s.energy.pe2d_pj), pct(s.energy.pe1d_pj));
    std::printf("  utilization  2D %.4f, 1D %.4f\n", s.util_2d, s.util_1d);
    std::printf("  DRAM         %s bytes read, %s bytes written\n", thousands(s.dram_read_bytes).c_str(),
                thousands(s.dram_write_bytes).c_str());
    std::printf("  GLB          %s row reads, %s row writes\n", thousands(s.counts.glb_row_reads).c_str(),
                thousands(s.counts.glb_row_writes).c_str());
    if (check) {
        std::printf("  check        max abs error %.3e, max rel error %.3e vs fp64 (%s", check->error.max_abs_error,
                    check->error.max_rel_error, check->passed() ? "pass" : "FAIL");
        if (check->user_tolerance) std::printf(", tolerance %.1e)\n", check->tolerance);
        else std::printf(", bound %.1e: %s)\n", check->bound.rel_bound, check->bound.basis.c_str());
    }
    std::printf("  wall time    %.3f s\n", wall);
}

int run(int argc, char** argv) {
    std::string help;
    const SimOptions o = parse_sim_options(argc, argv, help);
    if (o.help) {
        std::cout << help;
        return kExitOk;
    }
    const ArchConfig arch = load_arch_config(o.arch_path);
    Workload w = workload_from_options(o);
    Outputs files(o);
    AttentionInputs in;
    if (o.functional && o.q_path) in = npy_inputs(o, w);
    const Job job = Job::packed(w, o.dtype, 0, o.functional);
    if (o.functional) {
        check_host_memory(arch, w, job, o);
        if (!o.q_path) in = random_inputs(w, o.seed);
    }

    const auto wall_start = std::chrono::steady_clock::now();
    IpOptions ip;
    ip.fast_forward = o.fast_forward;
    ip.fault = fault_from_options(o);
    if (o.quantum_s > 0) ip.quantum = sc_core::sc_time(o.quantum_s, sc_core::SC_SEC);
    ip.trace.signals = o.vcd_path.has_value();
    ip.trace.slices = o.trace_json_path.has_value();
    ip.trace.start = static_cast<Cycle>(o.trace_start_s * arch.clock_hz);
    if (o.trace_stop_s >= 0) ip.trace.stop = static_cast<Cycle>(o.trace_stop_s * arch.clock_hz);

    // A CPU programs the job through the registers and waits for the interrupt.
    JobOutcome outcome;
    ExamplePlatform platform(arch, std::max<std::uint64_t>(job.packed_end(), 4096), [&](CpuDriver& cpu) {
        outcome = run_job(cpu, ExamplePlatform::kCsrBase, job, sc_core::sc_time(kMaxDurationSeconds, sc_core::SC_SEC));
    }, ip);
    if (o.functional) {
        store_tensor(platform.memory(), job.layout(Tensor::Q), in.q, o.dtype);
        store_tensor(platform.memory(), job.layout(Tensor::K), in.k, o.dtype);
        store_tensor(platform.memory(), job.layout(Tensor::V), in.v, o.dtype);
    }
    if (files.vcd) platform.ip().trace(files.vcd->file());
    sc_core::sc_start();
    if (files.vcd) files.vcd->close();

    const auto error = static_cast<regs::Error>((outcome.status & regs::STATUS_ERROR_MASK) >> regs::STATUS_ERROR_SHIFT);
    if (!outcome.interrupted)
        throw std::runtime_error("the job raised no interrupt (STATUS " + std::to_string(outcome.status) + ")");
    if (error != regs::Error::None) {
        const std::string& why = platform.ip().registers().last_error();
        if (error == regs::Error::BadJob) throw ConfigError(why);
        std::fprintf(stderr, "fusemax-sim: %s: %s\n", error_name(error), why.c_str());
        return exit_code_for(error);
    }
    const FuseMax& top = platform.ip();
    if (files.trace_json) write_trace_json(top, *files.trace_json);
    const RunSummary summary = summarize(top);
    nlohmann::json stats = report_json(top, summary);
    stats["workload"] = {{"name", w.name},     {"batch", w.batch},     {"heads", w.heads},
                         {"seq_q", w.seq_q},   {"seq_kv", w.seq_kv},   {"head_dim", w.head_dim},
                         {"v_dim", w.v_dim},   {"scale", w.scale}};
    stats["mode"] = o.functional ? "functional" : "timing";

    std::optional<Check> check;
    if (o.functional) {
        const Tensor4 out = load_tensor(platform.memory(), job.layout(Tensor::O), {w.batch, w.heads, w.seq_q, w.v_dim}, o.dtype);
        if (files.out) write_npy(*files.out, out);
        if (o.check) {
            check = check_output(out, std::move(in), w, arch, o);
            stats["max_abs_error"] = check->error.max_abs_error;
            stats["max_rel_error"] = check->error.max_rel_error;
            stats["non_finite_outputs"] = check->error.non_finite;
            stats["check"] = {{"passed", check->passed()},
                              {"abs_bound", check->bound.abs_bound},
                              {"rel_bound", check->bound.rel_bound},
                              {"tolerance", check->tolerance},
                              {"basis", check->user_tolerance ? std::string("--tolerance") : check->bound.basis}};
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    stats["wall_seconds"] = wall;
    if (files.stats) {
        files.stats->write(stats.dump(2) + "\n");
        files.stats->close();
    }
    if (!o.quiet) print_summary(top, w, summary, o.functional, check, wall);
    std::fflush(stdout);
    if (check && !check->passed()) {
        std::fprintf(stderr, "fusemax-sim: numerical check failed: max rel error %.3e > %s %.1e\n",
                     check->error.max_rel_error, check->user_tolerance ? "tolerance" : "bound", check->tolerance);
        return kExitCheckFailed;
    }
    return kExitOk;
}

}  // namespace

int sc_main(int argc, char** argv) {
    return run_tool("fusemax-sim", [&] { return run(argc, argv); });
}
