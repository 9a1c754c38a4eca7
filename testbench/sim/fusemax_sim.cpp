// fusemax-sim: one attention job on the FuseMax model, checked against the fp64 reference.
#include <systemc>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "common/word_port.h"
#include "config/arch_config.h"
#include "config/config_error.h"
#include "io/npy.h"
#include "numerics/attention.h"
#include "csr/fusemax_regs.h"
#include "platform/attention_platform.h"
#include "platform/example_platform.h"
#include "report/trace_json.h"
#include "report/run_report.h"
#include "sim/sim_options.h"
#include "top/fusemax.h"

using namespace fusemax;

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitCheckFailed = 1;
constexpr int kExitSimulationError = 3;

// Shapes come from the .npy files unless a workload or shape flags say otherwise.
AttentionInputs npy_inputs(const SimOptions& o, Workload& w) {
    AttentionInputs in;
    if (!o.workload_path && !o.shape_flags_given()) {
        in.q = read_npy(*o.q_path, "--q");
        w.batch = in.q.shape[0];
        w.heads = in.q.shape[1];
        w.seq_q = in.q.shape[2];
        w.head_dim = in.q.shape[3];
        in.k = read_npy(*o.k_path, "--k");
        w.seq_kv = in.k.shape[2];
        in.k = read_npy(*o.k_path, "--k", {w.batch, w.heads, w.seq_kv, w.head_dim});
        in.v = read_npy(*o.v_path, "--v");
        w.v_dim = in.v.shape[3];
        in.v = read_npy(*o.v_path, "--v", {w.batch, w.heads, w.seq_kv, w.v_dim});
        w.name = "npy";
        validate_workload(w, *o.q_path + " (--q)");
    } else {
        in.q = read_npy(*o.q_path, "--q", {w.batch, w.heads, w.seq_q, w.head_dim});
        in.k = read_npy(*o.k_path, "--k", {w.batch, w.heads, w.seq_kv, w.head_dim});
        in.v = read_npy(*o.v_path, "--v", {w.batch, w.heads, w.seq_kv, w.v_dim});
    }
    return in;
}

std::string thousands(std::uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
    return s;
}

void print_summary(const FuseMax& top, const Workload& w, const RunSummary& s, bool functional,
                   const std::optional<ErrorStats>& err, double tolerance, double wall) {
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
    if (err)
        std::printf("  check        max abs error %.3e, max rel error %.3e vs fp64 (%s, tolerance %.1e)\n",
                    err->max_abs_error, err->max_rel_error, err->max_rel_error <= tolerance ? "pass" : "FAIL",
                    tolerance);
    std::printf("  wall time    %.3f s\n", wall);
}

int run(int argc, char** argv) {
    std::string help;
    const SimOptions o = parse_sim_options(argc, argv, help);
    if (o.help) {
        std::cout << help;
        return 0;
    }
    const ArchConfig arch = load_arch_config(o.arch_path);
    Workload w = workload_from_options(o);
    AttentionInputs in;
    if (o.functional) in = o.q_path ? npy_inputs(o, w) : random_inputs(w, o.seed);

    const auto wall_start = std::chrono::steady_clock::now();
    const Job job = Job::packed(w, o.dtype, 0, o.functional);
    IpOptions ip;
    ip.fast_forward = o.fast_forward;
    if (o.quantum_s > 0) ip.quantum = sc_core::sc_time(o.quantum_s, sc_core::SC_SEC);
    ip.trace.signals = o.vcd_path.has_value();
    ip.trace.slices = o.trace_json_path.has_value();
    ip.trace.start = static_cast<Cycle>(o.trace_start_s * arch.clock_hz);
    if (o.trace_stop_s >= 0) ip.trace.stop = static_cast<Cycle>(o.trace_stop_s * arch.clock_hz);

    // A CPU programs the job through the registers and waits for the interrupt.
    JobOutcome outcome;
    ExamplePlatform platform(arch, std::max<std::uint64_t>(job.packed_end(), 4096), [&](CpuDriver& cpu) {
        outcome = run_job(cpu, ExamplePlatform::kCsrBase, job, sc_core::sc_time(1e6, sc_core::SC_SEC));
    }, ip);
    if (o.functional) {
        store_tensor(platform.memory(), job.q, in.q, o.dtype);
        store_tensor(platform.memory(), job.k, in.k, o.dtype);
        store_tensor(platform.memory(), job.v, in.v, o.dtype);
    }
    sc_core::sc_trace_file* vcd = nullptr;
    if (o.vcd_path) {
        std::string base = *o.vcd_path;
        if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
        vcd = sc_core::sc_create_vcd_trace_file(base.c_str());
        if (!vcd) throw ConfigError(*o.vcd_path + " (--vcd): cannot open for writing");
        platform.ip().trace(vcd);
    }
    sc_core::sc_start();
    if (vcd) sc_core::sc_close_vcd_trace_file(vcd);

    const auto error = static_cast<regs::Error>((outcome.status & regs::STATUS_ERROR_MASK) >> regs::STATUS_ERROR_SHIFT);
    if (error == regs::Error::BadJob) throw ConfigError(platform.ip().registers().last_error());
    if (error != regs::Error::None || !outcome.interrupted) {
        std::fprintf(stderr, "fusemax-sim: simulation error: %s\n",
                     outcome.interrupted ? platform.ip().registers().last_error().c_str() : "no interrupt");
        return kExitSimulationError;
    }
    const FuseMax& top = platform.ip();
    if (o.trace_json_path) write_trace_json(top, *o.trace_json_path);
    const RunSummary summary = summarize(top);
    nlohmann::json stats = report_json(top, summary);
    stats["workload"] = {{"name", w.name},     {"batch", w.batch},     {"heads", w.heads},
                         {"seq_q", w.seq_q},   {"seq_kv", w.seq_kv},   {"head_dim", w.head_dim},
                         {"v_dim", w.v_dim},   {"scale", w.scale}};
    stats["mode"] = o.functional ? "functional" : "timing";

    std::optional<ErrorStats> err;
    if (o.functional) {
        const Tensor4 out = load_tensor(platform.memory(), job.o, {w.batch, w.heads, w.seq_q, w.v_dim}, o.dtype);
        if (o.out_path) write_npy(*o.out_path, out);
        if (o.check) {
            round_to_storage(in, o.dtype);
            err = compare(out, attention_reference_fp64(in.q, in.k, in.v, w.scale));
            stats["max_abs_error"] = err->max_abs_error;
            stats["max_rel_error"] = err->max_rel_error;
            stats["non_finite_outputs"] = err->non_finite;
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    stats["wall_seconds"] = wall;
    if (o.stats_path) {
        std::ofstream f(*o.stats_path);
        if (!f) throw ConfigError(*o.stats_path + " (--stats): cannot open for writing");
        f << stats.dump(2) << "\n";
    }
    if (!o.quiet) print_summary(top, w, summary, o.functional, err, o.tolerance, wall);
    std::fflush(stdout);
    if (err && !(err->max_rel_error <= o.tolerance)) {
        std::fprintf(stderr, "fusemax-sim: numerical check failed: max rel error %.3e > tolerance %.1e\n",
                     err->max_rel_error, o.tolerance);
        return kExitCheckFailed;
    }
    return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return kExitBadInput;
    } catch (const TransportError& e) {
        std::fprintf(stderr, "fusemax-sim: simulation error: %s\n", e.what());
        return kExitSimulationError;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "fusemax-sim: out of memory (try --mode timing for large shapes)\n");
        return kExitSimulationError;
    }
}
