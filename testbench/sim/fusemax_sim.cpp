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
#include "memory/memory.h"
#include "numerics/attention.h"
#include "report/run_report.h"
#include "sim/sim_options.h"
#include "top/fusemax.h"

using namespace fusemax;

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitCheckFailed = 1;
constexpr int kExitSimulationError = 3;

struct Inputs {
    Tensor4 q, k, v;
};

// Seeds of Q, K and V differ so the three tensors are independent.
Inputs random_inputs(const Workload& w, std::uint64_t seed) {
    Inputs in{Tensor4({w.batch, w.heads, w.seq_q, w.head_dim}), Tensor4({w.batch, w.heads, w.seq_kv, w.head_dim}),
              Tensor4({w.batch, w.heads, w.seq_kv, w.v_dim})};
    fill_uniform(in.q, seed * 3 + 0, -1.0f, 1.0f);
    fill_uniform(in.k, seed * 3 + 1, -1.0f, 1.0f);
    fill_uniform(in.v, seed * 3 + 2, -1.0f, 1.0f);
    return in;
}

// Shapes come from the .npy files unless a workload or shape flags say otherwise.
Inputs npy_inputs(const SimOptions& o, Workload& w) {
    Inputs in;
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

void store_tensor(Memory& mem, const TensorLayout& l, const Tensor4& t, ElemType elem) {
    const std::uint64_t rows = t.shape[2], cols = t.shape[3];
    for (std::uint64_t b = 0; b < t.shape[0]; ++b)
        for (std::uint64_t h = 0; h < t.shape[1]; ++h)
            for (std::uint64_t r = 0; r < rows; ++r) {
                const float* src = t.matrix(b, h) + r * cols;
                unsigned char* dst = mem.backdoor(l.row_address(b, h, r), cols * elem_bytes(elem));
                if (elem == ElemType::F32) {
                    std::memcpy(dst, src, cols * 4);
                } else {
                    for (std::uint64_t c = 0; c < cols; ++c) {
                        const std::uint16_t hv = float_to_half(src[c]);
                        std::memcpy(dst + 2 * c, &hv, 2);
                    }
                }
            }
}

Tensor4 load_tensor(Memory& mem, const TensorLayout& l, std::array<std::uint64_t, 4> shape, ElemType elem) {
    Tensor4 t(shape);
    const std::uint64_t rows = shape[2], cols = shape[3];
    for (std::uint64_t b = 0; b < shape[0]; ++b)
        for (std::uint64_t h = 0; h < shape[1]; ++h)
            for (std::uint64_t r = 0; r < rows; ++r) {
                float* dst = t.matrix(b, h) + r * cols;
                const unsigned char* src = mem.backdoor(l.row_address(b, h, r), cols * elem_bytes(elem));
                if (elem == ElemType::F32) {
                    std::memcpy(dst, src, cols * 4);
                } else {
                    for (std::uint64_t c = 0; c < cols; ++c) {
                        std::uint16_t hv;
                        std::memcpy(&hv, src + 2 * c, 2);
                        dst[c] = half_to_float(hv);
                    }
                }
            }
    return t;
}

// Inputs as the platform memory holds them (fp16 storage rounds), for the reference.
void round_to_storage(Tensor4& t, ElemType elem) {
    if (elem == ElemType::F16)
        for (float& x : t.data) x = half_to_float(float_to_half(x));
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
    Inputs in;
    if (o.functional) in = o.q_path ? npy_inputs(o, w) : random_inputs(w, o.seed);

    const auto wall_start = std::chrono::steady_clock::now();
    const Job job = Job::packed(w, o.dtype, 0, o.functional);
    Memory memory("memory", job.packed_end());
    FuseMax top("fusemax", arch);
    top.mem.bind(memory.socket);
    top.start(job);  // validates tiling and GLB capacity before anything runs
    if (o.functional) {
        store_tensor(memory, job.q, in.q, o.dtype);
        store_tensor(memory, job.k, in.k, o.dtype);
        store_tensor(memory, job.v, in.v, o.dtype);
    }
    sc_core::sc_start();
    if (!top.scheduler().error().empty()) {
        std::fprintf(stderr, "fusemax-sim: simulation error: %s\n", top.scheduler().error().c_str());
        return kExitSimulationError;
    }

    const RunSummary summary = summarize(top);
    nlohmann::json stats = report_json(top, summary);
    stats["workload"] = {{"name", w.name},     {"batch", w.batch},     {"heads", w.heads},
                         {"seq_q", w.seq_q},   {"seq_kv", w.seq_kv},   {"head_dim", w.head_dim},
                         {"v_dim", w.v_dim},   {"scale", w.scale}};
    stats["mode"] = o.functional ? "functional" : "timing";

    std::optional<ErrorStats> err;
    if (o.functional) {
        const Tensor4 out = load_tensor(memory, job.o, {w.batch, w.heads, w.seq_q, w.v_dim}, o.dtype);
        if (o.out_path) write_npy(*o.out_path, out);
        if (o.check) {
            round_to_storage(in.q, o.dtype);
            round_to_storage(in.k, o.dtype);
            round_to_storage(in.v, o.dtype);
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
