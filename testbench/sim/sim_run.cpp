#include "sim/sim_run.h"

#include <systemc>

#include <chrono>
#include <ctime>
#include <future>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "fusemax/program/tile_registers.h"
#include "fusemax/config/arch_config.h"
#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"
#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/io/files.h"
#include "fusemax/io/npy.h"
#include "fusemax/numerics/attention.h"
#include "fusemax/numerics/attention_reference.h"
#include "fusemax/numerics/blas.h"
#include "fusemax/numerics/error_bound.h"
#include "fusemax/numerics/gemm.h"
#include "fusemax/protocol/decode_jobs.h"
#include "fusemax/protocol/layer_jobs.h"
#include "platform/job_platform.h"
#include "platform/example_platform.h"
#include "fusemax/report/run_report.h"
#include "fusemax/report/trace_json.h"
#include "sim/sim_options.h"
#include "fusemax/tiling/tiling.h"
#include "tool/host_memory.h"
#include "tool/tool_main.h"
#include "tool/vcd_output.h"
#include "fusemax/top/fusemax.h"
#include "fusemax/util/checked_math.h"

namespace fusemax {

namespace {

// Every output file, opened before anything runs so that a path that cannot be written fails at
// once; written and closed (each failure reported) at the end.
struct Outputs {
    std::unique_ptr<OutputFile> stats, trace_json, out;
    std::unique_ptr<VcdOutput> vcd;

    explicit Outputs(const SimOptions& o) {
        if (o.stats_path && *o.stats_path != "-") stats = std::make_unique<OutputFile>(*o.stats_path, "--stats");
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
        w.kv_heads = in.k.shape[1] == w.heads ? 0 : in.k.shape[1];
        in.v = read_npy(*o.v_path, "--v");
        w.v_dim = in.v.shape[3];
        in.k = read_npy(*o.k_path, "--k", {w.batch, w.kv_head_count(), w.seq_kv, w.head_dim});
        in.v = read_npy(*o.v_path, "--v", {w.batch, w.kv_head_count(), w.seq_kv, w.v_dim});
        validate_workload(w, *o.q_path + " (--q)");
    } else {
        in.q = read_npy(*o.q_path, "--q", {w.batch, w.heads, w.seq_q, w.head_dim});
        in.k = read_npy(*o.k_path, "--k", {w.batch, w.kv_head_count(), w.seq_kv, w.head_dim});
        in.v = read_npy(*o.v_path, "--v", {w.batch, w.kv_head_count(), w.seq_kv, w.v_dim});
    }
    refuse_non_finite(in.q, *o.q_path, "--q");
    refuse_non_finite(in.k, *o.k_path, "--k");
    refuse_non_finite(in.v, *o.v_path, "--v");
    return in;
}

// What one run simulates: its kernels, one job each, run in order (each queued behind the one
// before), and the inputs the first ones read.
struct RunPlan {
    std::string kind;  // attention, gemm or layer
    std::vector<LayerKernel> kernels;
    AttentionInputs attention;  // kind attention
    GemmInputs gemm;            // kind gemm
    Tensor4 x;                  // kind layer: the input and each GEMM's weights
    std::vector<Tensor4> weights;
    std::vector<Tensor4> queries;  // kind decode: each job's Q, and the K and V caches
    Tensor4 k_cache, v_cache;

    std::uint64_t memory_end() const { return layer_end(kernels); }
};

Tensor4 uniform(std::array<std::uint64_t, 4> shape, std::uint64_t seed, float bound) {
    Tensor4 t(shape);
    fill_uniform(t, seed, -bound, bound);
    return t;
}

// The GEMMs' tile sizes: the flags', else the architecture's (zero: the planner's defaults).
GemmShape with_tiles(GemmShape g, const GemmShape& flags, const ArchConfig& a) {
    g.m0 = flags.m0 ? flags.m0 : a.tiling.gemm_m0;
    g.n0 = flags.n0 ? flags.n0 : a.tiling.gemm_n0;
    g.block_rows = flags.block_rows ? flags.block_rows : a.tiling.gemm_block_rows;
    g.order = flags.order != GemmOrder::Default ? flags.order : a.tiling.gemm_order;
    return g;
}

RunPlan plan_run(const SimOptions& o, const ArchConfig& a, Workload& w) {
    RunPlan p;
    if (o.gemm) {
        p.kind = "gemm";
        const GemmShape g = with_tiles(*o.gemm, o.tiles, a);
        p.kernels.push_back({"gemm", Job::packed_gemm(g, o.dtype, 0, o.functional)});
        if (o.functional) {
            if (o.a_path) {
                p.gemm.a = read_npy(*o.a_path, "--a", {1, 1, g.m, g.k}, 2);
                p.gemm.w = read_npy(*o.w_path, "--w", {1, 1, g.k, g.n}, 2);
                refuse_non_finite(p.gemm.a, *o.a_path, "--a");
                refuse_non_finite(p.gemm.w, *o.w_path, "--w");
            }
        }
        return p;
    }
    if (o.decode_steps) {
        p.kind = "decode";
        if (w.layer) throw ConfigError("fusemax-sim: --decode-steps: attention only (the workload says layer: true)");
        p.kernels = decode_jobs(w, o.decode_steps, o.dtype, 0, o.functional, "fusemax-sim");
        return p;
    }
    if (w.layer) {
        p.kind = "layer";
        if (o.q_path) throw ConfigError("fusemax-sim: --q: a layer computes Q, K, V itself (no --q/--k/--v)");
        p.kernels = layer_jobs(w, with_tiles(GemmShape{}, o.tiles, a), o.dtype, 0, o.functional, "fusemax-sim: layer");
        return p;
    }
    p.kind = "attention";
    if (o.functional && o.q_path) p.attention = npy_inputs(o, w);
    p.kernels.push_back({"attention", Job::packed(w, o.dtype, 0, o.functional)});
    return p;
}

// Random inputs where no .npy gave them (after the memory check: they are what is large).
void random_fill(RunPlan& p, const SimOptions& o, const Workload& w) {
    if (p.kind == "attention" && !o.q_path) p.attention = random_inputs(w, o.seed);
    if (p.kind == "gemm" && !o.a_path) p.gemm = random_gemm_inputs(*o.gemm, o.seed);
    if (p.kind == "decode") {
        std::uint64_t stream = 0;
        for (const LayerKernel& k : p.kernels) p.queries.push_back(uniform(k.job.tensor(Tensor::Q).shape, o.seed * 8 + stream++, 1.0f));
        p.k_cache = uniform(p.kernels.back().job.tensor(Tensor::K).shape, o.seed * 8 + stream++, 1.0f);
        p.v_cache = uniform(p.kernels.back().job.tensor(Tensor::V).shape, o.seed * 8 + stream++, 1.0f);
    }
    if (p.kind == "layer") {
        // X uniform in [-1, 1), weights in [-1/sqrt(K), 1/sqrt(K)): activations stay of order one.
        const Job& first = p.kernels.front().job;
        p.x = uniform(first.tensor(Tensor::X).shape, o.seed * 8, 1.0f);
        std::uint64_t stream = 1;
        for (const LayerKernel& k : p.kernels)
            if (k.job.program == "gemm")
                p.weights.push_back(uniform(k.job.tensor(Tensor::W).shape, o.seed * 8 + stream++,
                                            1.0f / std::sqrt(float(k.job.gemm.k))));
    }
}

void store_inputs(Memory& mem, const RunPlan& p, ElemType elem) {
    const Job& first = p.kernels.front().job;
    if (p.kind == "attention") {
        store_tensor(mem, first.layout(Tensor::Q), p.attention.q, elem);
        store_tensor(mem, first.layout(Tensor::K), p.attention.k, elem);
        store_tensor(mem, first.layout(Tensor::V), p.attention.v, elem);
    } else if (p.kind == "gemm") {
        store_tensor(mem, first.layout(Tensor::X), p.gemm.a, elem);
        store_tensor(mem, first.layout(Tensor::W), p.gemm.w, elem);
    } else if (p.kind == "decode") {
        for (std::size_t i = 0; i < p.kernels.size(); ++i) store_tensor(mem, p.kernels[i].job.layout(Tensor::Q), p.queries[i], elem);
        store_tensor(mem, first.layout(Tensor::K), p.k_cache, elem);
        store_tensor(mem, first.layout(Tensor::V), p.v_cache, elem);
    } else {
        store_tensor(mem, first.layout(Tensor::X), p.x, elem);
        std::size_t i = 0;
        for (const LayerKernel& k : p.kernels)
            if (k.job.program == "gemm") store_tensor(mem, k.job.layout(Tensor::W), p.weights[i++], elem);
    }
}

// Host memory a functional run allocates, by part, and the check that it is there. Sizes were
// validated (no product overflows), so plain arithmetic is exact here.
void check_host_memory(const ArchConfig& a, const RunPlan& p, const SimOptions& o) {
    // Inputs: the tensors the host fills (not an output, each place once); the check: the largest
    // output and its fp64 reference (a layer's check reads each kernel's inputs back as well).
    std::set<std::uint64_t> outputs, seen;
    for (const LayerKernel& k : p.kernels)
        for (const TensorDesc& d : k.job.tensors)
            if (d.tensor == Tensor::O || d.tensor == Tensor::Z) outputs.insert(d.layout.base);
    std::uint64_t inputs = 0, largest_out = 0, largest_in = 0, registers = 0, largest_head = 0;
    for (const LayerKernel& k : p.kernels) {
        std::uint64_t kernel_in = 0;
        for (const TensorDesc& d : k.job.tensors) {
            const std::uint64_t n = d.shape[0] * d.shape[1] * d.shape[2] * d.shape[3];
            const bool out = d.tensor == Tensor::O || d.tensor == Tensor::Z;
            if (out) largest_out = std::max(largest_out, n);
            else kernel_in += n;
            if (!out && !outputs.count(d.layout.base) && seen.insert(d.layout.base).second) inputs += 4 * n;
        }
        largest_in = std::max(largest_in, kernel_in);
        const bool gemm = k.job.program == "gemm";
        if (!gemm) largest_head = std::max(largest_head, k.job.shape.seq_kv * (k.job.shape.head_dim + k.job.shape.v_dim));
        registers = std::max(registers, TileRegisters::bytes(a.pe2d.rows, a.pe2d.cols, gemm ? a.pe2d.rows : k.job.shape.head_dim,
                                                             gemm ? 0 : k.job.shape.v_dim));
    }
    // ...and the reference's fp64 working set (on each of two threads: blocks of at most 2^20
    // doubles, K and V of a head).
    const std::uint64_t check = (4 + 8) * largest_out + (p.kind == "layer" ? 4 * largest_in : 0) + (48ull << 20) +
                                2 * 8 * largest_head;
    const std::uint64_t platform = p.memory_end();
    const std::uint64_t chip = 4 * a.glb_capacity_words() + 2 * registers;
    const std::uint64_t process = 64ull << 20;  // the program, SystemC and the standard library
    const std::uint64_t need = inputs + check + platform + chip + process;
    HostMemory have = available_host_memory();
    if (o.max_memory && *o.max_memory < have.bytes) have = {*o.max_memory, "--max-memory"};
    if (need <= have.bytes) return;
    const char* output = p.kind == "attention" ? "O" : p.kind == "gemm" ? "Z" : "a kernel's output";
    throw ConfigError("fusemax-sim: functional mode needs about " + format_bytes(need) + " for this job (inputs " +
                      format_bytes(inputs) + ", platform memory " + format_bytes(platform) + ", " + output +
                      " and its fp64 reference " + format_bytes(check) + ", GLB and PE registers " + format_bytes(chip) +
                      "), but " + format_bytes(have.bytes) + " are available (" + have.source +
                      "): use --mode timing, which stores no tensors, or a smaller shape");
}

std::string thousands(std::uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), ",");
    return s;
}

// The numerical check of one kernel: against the derived error bound, or against --tolerance.
struct Check {
    std::string kernel;
    ErrorStats error;
    CheckBound bound;
    double tolerance = 0;  // on the normwise relative error
    bool user_tolerance = false;
    bool passed() const {
        return user_tolerance ? error.max_rel_error <= tolerance : error.max_abs_error <= bound.abs_bound;
    }
};

double storage_roundoff(ElemType e) { return e == ElemType::F16 ? 0x1p-11 : 0.0; }

Check finish_check(std::string kernel, ErrorStats error, CheckBound bound, const SimOptions& o) {
    Check c{std::move(kernel), error, std::move(bound), 0, o.tolerance_given};
    c.tolerance = o.tolerance_given ? o.tolerance : c.bound.rel_bound;
    return c;
}

Tensor4 load_output(Memory& mem, const Job& job) {
    const Tensor t = job.program == "gemm" ? Tensor::Z : Tensor::O;
    return load_tensor(mem, job.layout(t), job.tensor(t).shape, job.elem);
}

// An fp64 reference result, with what its error bound needs (the largest |logit| and the inputs'
// extents, or the largest sum of |a w|).
struct Reference {
    Tensor4D out;
    double extent = 0;
    AttentionExtents inputs;
};

Reference attention_reference(const AttentionInputs& in, const Workload& w) {
    Reference r;
    r.out = attention_reference_fp64(in.q, in.k, in.v, w.scale, &r.extent, w.key_mask());
    r.inputs = attention_extents(in.q, in.k, in.v, w.scale);
    return r;
}

Reference gemm_reference(const Tensor4& a, const Tensor4& w, const std::atomic<bool>* cancel = nullptr) {
    Reference r;
    r.out = gemm_reference_fp64(a, w, &r.extent, cancel);
    return r;
}

// A single job's fp64 reference depends on its inputs only, so it is computed beside the
// simulation (SystemC stays on one thread): a second thread starts on it, and when the simulation
// ends the main thread joins in on what is left (attention's items are shared). A run that ends
// without wanting it (an error) stops it.
class BackgroundReference {
public:
    void start(const AttentionInputs& in, const Workload& w) {
        attention_ = std::make_unique<AttentionReference>(in.q, in.k, in.v, w.scale, w.key_mask());
        helper_ = std::async(std::launch::async, [this, &in, scale = w.scale] {
            extents_ = attention_extents(in.q, in.k, in.v, scale);
            attention_->work();
        });
    }
    void start(const GemmInputs& in) {
        gemm_ = std::async(std::launch::async, gemm_reference, std::cref(in.a), std::cref(in.w), &cancel_);
    }
    Reference finish() {
        if (!attention_) return gemm_.get();
        attention_->work();
        helper_.get();
        Reference r;
        r.out = attention_->take(&r.extent);
        r.inputs = extents_;
        return r;
    }
    ~BackgroundReference() {
        cancel_ = true;
        if (attention_) attention_->cancel();
        if (helper_.valid()) helper_.wait();
        if (gemm_.valid()) gemm_.wait();
    }

private:
    std::unique_ptr<AttentionReference> attention_;
    std::future<void> helper_;
    std::future<Reference> gemm_;
    AttentionExtents extents_;  // the helper's, read once it has returned
    std::atomic<bool> cancel_{false};
};

// Attention's O against fp64 attention of the Q, K, V it read (as stored: fp16 storage rounds them).
Check check_attention(const Reference& ref, const Tensor4& out, const Job& job, const ArchConfig& a,
                      const SimOptions& o, const std::string& name = "attention") {
    const Workload& w = job.shape;
    const ErrorStats e = compare(out, ref.out);
    return finish_check(name, e,
                        attention_error_bound(ref.inputs, w.head_dim, w.seq_kv, ref.extent, e.max_abs_ref,
                                              storage_roundoff(job.elem), tile_keys(a)),
                        o);
}

// A GEMM's Z against fp64 A W of the A and W it read.
Check check_gemm(const Reference& ref, const Tensor4& z, const std::string& name, const Job& job, const SimOptions& o) {
    const ErrorStats e = compare(z, ref.out);
    return finish_check(name, e, gemm_error_bound(job.gemm.k, ref.extent, e.max_abs_ref, storage_roundoff(job.elem)), o);
}

// The sum of consecutive kernels: their cycles partition the run (each counts from the end of the
// one before), so cycles, counts, energy and bytes add up.
RunSummary total_of(const std::vector<RunSummary>& parts, const ArchConfig& a) {
    RunSummary t;
    for (const RunSummary& s : parts) {
        t.cycles += s.cycles;
        t.compute_cycles += s.compute_cycles;
        t.counts += s.counts;
        t.energy.dram_pj += s.energy.dram_pj;
        t.energy.glb_pj += s.energy.glb_pj;
        t.energy.pe2d_pj += s.energy.pe2d_pj;
        t.energy.pe1d_pj += s.energy.pe1d_pj;
        if (t.energy.available()) t.energy.unavailable = s.energy.unavailable;
        if (t.energy.note.empty()) t.energy.note = s.energy.note;  // an estimate in any part makes the total one
        t.dram_read_bytes += s.dram_read_bytes;
        t.dram_write_bytes += s.dram_write_bytes;
        t.pe2d_busy += s.pe2d_busy;
        t.pe1d_busy += s.pe1d_busy;
        t.pe2d_unit_cycles += s.pe2d_unit_cycles;
        t.pe1d_unit_cycles += s.pe1d_unit_cycles;
        t.tile_steps += s.tile_steps;
    }
    if (!parts.empty()) t.compute_start = parts.front().compute_start;
    t.seconds = Clock(a.clock_hz).seconds(t.cycles);
    set_utilization(t, a);
    return t;
}

std::string format_energy(double pj) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6e", pj);
    return buf;
}

// The decode steps of a --decode-steps run (every kernel after the prefill): each is its own job,
// its cycles from the end of the one before to its own end.
struct DecodeSummary {
    Cycle cycles = 0;  // of all the steps
    std::uint64_t steps = 0;
    double seconds = 0, tokens_per_second = 0;
};

DecodeSummary decode_summary(const std::vector<RunSummary>& kernels, const ArchConfig& a, std::uint64_t batch) {
    DecodeSummary d;
    for (std::size_t i = 1; i < kernels.size(); ++i) d.cycles += kernels[i].cycles;
    d.steps = kernels.empty() ? 0 : kernels.size() - 1;
    d.seconds = Clock(a.clock_hz).seconds(d.cycles);
    d.tokens_per_second = d.seconds > 0 ? double(batch * d.steps) / d.seconds : 0.0;
    return d;
}

void print_headline(const ArchConfig& a, const RunSummary& s) {
    const double total = s.energy.total_pj();
    auto pct = [total](double x) { return total > 0 ? 100.0 * x / total : 0.0; };
    std::printf("  cycles       %s (compute %s after a DRAM prologue of %s)\n", thousands(s.cycles).c_str(),
                thousands(s.compute_cycles).c_str(), thousands(s.compute_start).c_str());
    std::printf("  seconds      %.9g at %.0f MHz\n", s.seconds, a.clock_hz / 1e6);
    if (s.energy.available())
        std::printf("  energy       %.6e pJ (DRAM %.2f%%, GLB %.2f%%, 2D %.2f%%, 1D %.2f%%)\n", total, pct(s.energy.dram_pj),
                    pct(s.energy.glb_pj), pct(s.energy.pe2d_pj), pct(s.energy.pe1d_pj));
    else
        std::printf("  energy       unavailable: %s\n", s.energy.unavailable.c_str());
    const AreaReport area = area_of(a);
    if (const auto um2 = area.total_um2())
        std::printf("  area         %.2f mm^2 (2D %.2f, 1D %.2f, GLB %.2f)\n", *um2 / 1e6, *area.pe2d.um2 / 1e6,
                    *area.pe1d.um2 / 1e6, *area.glb.um2 / 1e6);
    else
        std::printf("  area         unavailable: %s\n", area.unavailable().c_str());
    std::printf("  utilization  2D %.4f, 1D %.4f (busy 2D %.4f, 1D %.4f)\n", s.util_2d, s.util_1d, s.busy_2d,
                s.busy_1d);
    std::printf("  DRAM         %s bytes read, %s bytes written\n", thousands(s.dram_read_bytes).c_str(),
                thousands(s.dram_write_bytes).c_str());
    std::printf("  GLB          %s row reads, %s row writes\n", thousands(s.counts.glb_row_reads).c_str(),
                thousands(s.counts.glb_row_writes).c_str());
}

void print_checks(const std::vector<Check>& checks) {
    for (const Check& c : checks) {
        std::printf("  check        %s%smax abs error %.3e, max rel error %.3e vs fp64 (%s", checks.size() > 1 ? c.kernel.c_str() : "",
                    checks.size() > 1 ? ": " : "", c.error.max_abs_error, c.error.max_rel_error, c.passed() ? "pass" : "FAIL");
        if (c.user_tolerance) std::printf(", tolerance %.1e)\n", c.tolerance);
        else std::printf(", bound %.1e: %s)\n", c.bound.rel_bound, c.bound.basis.c_str());
    }
}

void print_summary(const FuseMax& top, const Workload& w, const RunPlan& p, const std::vector<RunSummary>& kernels,
                   const RunSummary& total, bool functional, const std::vector<Check>& checks, double wall) {
    const ArchConfig& a = top.arch();
    const char* mode = functional ? "functional" : "timing";
    if (p.kind == "gemm") {
        const GemmShape& g = p.kernels.front().job.gemm;
        const GemmPlan& gp = top.scheduler().gemm_plan();
        std::printf("%s (%s) GEMM Z = A W: M=%llu K=%llu N=%llu, %s mode\n", a.name.c_str(), a.design.c_str(),
                    (unsigned long long)g.m, (unsigned long long)g.k, (unsigned long long)g.n, mode);
        const std::string a_side = gp.w_whole ? "A's tiles through " + std::to_string(gp.block_tiles) + " buffer" +
                                                    (gp.block_tiles == 1 ? "" : "s")
                                              : "A in " + std::to_string(gp.blocks) + " blocks of " +
                                                    std::to_string(gp.block_tiles) + " tiles";
        std::printf("  mapping      m0=%u n0=%u k0=%u, W %s, %s, %s Z blocks\n", gp.m0, gp.n0, gp.k0,
                    gp.w_whole ? "whole in the GLB" : (gp.w_slots == 2 ? "by column tile (2 buffers)" : "by column tile"),
                    a_side.c_str(), thousands(total.tile_steps).c_str());
    } else {
        std::printf("%s (%s) on %s%s: B=%llu H=%llu P=%llu M=%llu E=%llu F=%llu%s, %s mode\n", a.name.c_str(),
                    a.design.c_str(), w.name.c_str(), p.kind == "layer" ? " (whole layer)" : "",
                    (unsigned long long)w.batch, (unsigned long long)w.heads, (unsigned long long)w.seq_q,
                    (unsigned long long)w.seq_kv, (unsigned long long)w.head_dim, (unsigned long long)w.v_dim,
                    p.kind == "layer" ? (" D=" + std::to_string(w.d_model) + " S=" + std::to_string(w.ffn)).c_str() : "",
                    mode);
    }
    if (p.kind == "attention") {
        const Tiling& t = top.scheduler().tiling();
        std::printf("  tiling       M0=%u P0=%u M1=%llu P1=%llu P2=%llu, %s tile steps\n", t.m0, t.p0,
                    (unsigned long long)t.m1, (unsigned long long)t.p1, (unsigned long long)t.p2,
                    thousands(total.tile_steps).c_str());
    }
    if (p.kind == "layer" || p.kind == "decode") {
        std::printf("  %-18s %15s %14s %16s %8s %8s\n", "kernel", "cycles", "energy (pJ)", "DRAM bytes", "util 2D",
                    "util 1D");
        for (std::size_t i = 0; i < kernels.size(); ++i) {
            const RunSummary& s = kernels[i];
            const std::string energy = s.energy.available() ? format_energy(s.energy.total_pj()) : "n/a";
            std::printf("  %-18s %15s %14s %16s %8.4f %8.4f\n", p.kernels[i].name.c_str(), thousands(s.cycles).c_str(),
                        energy.c_str(), thousands(s.dram_read_bytes + s.dram_write_bytes).c_str(), s.util_2d,
                        s.util_1d);
        }
        std::printf(p.kind == "layer" ? "  total of the layer:\n" : "  total of the prefill and the decode steps:\n");
    }
    print_headline(a, total);
    if (p.kind == "decode" && kernels.size() > 1) {
        const DecodeSummary d = decode_summary(kernels, a, w.batch);
        const double n = double(d.steps);
        std::printf("  decode       %s cycles a step on average (%.6g s), %.6g tokens/s at batch %llu\n",
                    thousands(static_cast<std::uint64_t>(double(d.cycles) / n + 0.5)).c_str(), d.seconds / n,
                    d.tokens_per_second, (unsigned long long)w.batch);
    }
    print_checks(checks);
    std::printf("  wall time    %.3f s\n", wall);
}

nlohmann::json kernel_json(const std::string& name, const Job& job, const RunSummary& s) {
    nlohmann::json j = headline_json(s);
    j["name"] = name;
    j["program"] = job.program;
    if (job.program == "gemm") j["gemm"] = {{"m", job.gemm.m}, {"k", job.gemm.k}, {"n", job.gemm.n}};
    return j;
}

}  // namespace

PlannedRun plan_jobs(const SimOptions& o, const ArchConfig& arch) {
    SimOptions timing = o;
    timing.functional = false;
    Workload w = workload_from_options(timing);
    RunPlan p = plan_run(timing, arch, w);
    return {p.kind, p.kernels};
}

int run_simulation(const SimOptions& o, const ArchConfig& arch, nlohmann::json* stats_out) {
    Workload w = workload_from_options(o);
    Outputs files(o);
    RunPlan plan = plan_run(o, arch, w);
    if (o.functional) {
        check_host_memory(arch, plan, o);
        require_blas();  // a missing library stops the run here, in one line, rather than mid-job
        random_fill(plan, o, w);
    }
    std::vector<Job> jobs;
    for (const LayerKernel& k : plan.kernels) jobs.push_back(k.job);

    const auto wall_start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    IpOptions ip;
    ip.fast_forward = o.fast_forward;
    ip.fault = fault_from_options(o);
    if (o.quantum_s > 0) ip.quantum = sc_core::sc_time(o.quantum_s, sc_core::SC_SEC);
    ip.trace.signals = o.vcd_path.has_value();
    ip.trace.slices = o.trace_json_path.has_value();
    ip.trace.start = static_cast<Cycle>(o.trace_start_s * arch.clock_hz);
    if (o.trace_stop_s >= 0) ip.trace.stop = static_cast<Cycle>(o.trace_stop_s * arch.clock_hz);

    // A CPU programs the jobs through the registers, each queued behind the one before, and waits
    // for their interrupts.
    std::vector<JobOutcome> outcomes;
    ExamplePlatform platform(arch, std::max<std::uint64_t>(plan.memory_end(), 4096), [&](CpuDriver& cpu) {
        outcomes = run_jobs(cpu, ExamplePlatform::kCsrBase, jobs, sc_core::sc_time(kMaxDurationSeconds, sc_core::SC_SEC));
    }, ip);
    // Each kernel's counts: the modules' counters when it had issued everything.
    std::vector<RunSummary> kernels;
    CounterSnapshot before;
    Cycle origin = 0;  // when the first job started: the statistics' timestamps count from here
    platform.ip().scheduler().on_job_issued([&](const JobRecord& r) {
        if (kernels.empty()) origin = r.start;
        const CounterSnapshot now = snapshot(platform.ip());
        kernels.push_back(summarize(arch, r, now, before));
        before = now;
    });
    // A single attention or GEMM job's fp64 reference depends on its inputs only: the second core
    // computes it while the simulation runs (SystemC stays on one thread).
    BackgroundReference reference;
    if (o.functional) {
        // A job the IP would refuse never gets a reference started (and is refused at once). The
        // reference starts before the inputs are stored (rounding them to storage first changes
        // nothing stored), so that storing them is time the second core already works.
        if (o.check && (plan.kind == "attention" || plan.kind == "gemm")) platform.ip().scheduler().check(jobs[0]);
        if (o.check && plan.kind == "attention") {
            round_to_storage(plan.attention, o.dtype);
            reference.start(plan.attention, jobs[0].shape);
        } else if (o.check && plan.kind == "gemm") {
            round_to_storage(plan.gemm, o.dtype);
            reference.start(plan.gemm);
        }
        store_inputs(platform.memory(), plan, o.dtype);
    }
    if (files.vcd) platform.ip().trace(files.vcd->file());
    sc_core::sc_start();
    if (files.vcd) files.vcd->close();

    for (const JobOutcome& outcome : outcomes) {
        const auto error = static_cast<regs::Error>((outcome.status & regs::STATUS_ERROR_MASK) >> regs::STATUS_ERROR_SHIFT);
        if (!outcome.interrupted)
            throw std::runtime_error("a job raised no interrupt (STATUS " + std::to_string(outcome.status) + ")");
        if (error != regs::Error::None) {
            const std::string& why = platform.ip().registers().last_error();
            if (error == regs::Error::BadJob) throw ConfigError(why);
            std::fprintf(stderr, "fusemax-sim: %s: %s\n", error_name(error), why.c_str());
            return exit_code_for(error);
        }
    }
    if (outcomes.size() != jobs.size() || kernels.size() != jobs.size())
        throw std::runtime_error("not every job ended (" + std::to_string(outcomes.size()) + " of " +
                                 std::to_string(jobs.size()) + ")");
    const FuseMax& top = platform.ip();
    if (files.trace_json) write_trace_json(top, *files.trace_json);
    const bool chained = plan.kind == "layer" || plan.kind == "decode";
    const RunSummary total = chained ? total_of(kernels, arch) : kernels.back();
    nlohmann::json stats = report_json(top, total, origin);
    if (plan.kind == "gemm") {
        const GemmShape& g = plan.kernels.front().job.gemm;
        stats["workload"] = {{"name", "gemm"}, {"m", g.m}, {"k", g.k}, {"n", g.n}};
    } else {
        stats["workload"] = {{"name", w.name},     {"batch", w.batch},     {"heads", w.heads},
                             {"seq_q", w.seq_q},   {"seq_kv", w.seq_kv},   {"head_dim", w.head_dim},
                             {"v_dim", w.v_dim},   {"scale", w.scale},     {"kv_heads", w.kv_head_count()},
                             {"causal", w.causal}, {"window", w.window}};
        if (plan.kind == "layer") stats["workload"]["d_model"] = w.d_model, stats["workload"]["ffn"] = w.ffn;
    }
    stats["kind"] = plan.kind;
    stats["mode"] = o.functional ? "functional" : "timing";
    if (plan.kind == "decode") {
        const DecodeSummary d = decode_summary(kernels, arch, w.batch);
        stats["decode"] = {{"steps", d.steps},
                           {"prefill_cycles", kernels.front().cycles},
                           {"step_cycles_mean", double(d.cycles) / double(d.steps)},
                           {"tokens_per_second", d.tokens_per_second}};
    }
    if (chained) {
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = 0; i < kernels.size(); ++i) list.push_back(kernel_json(plan.kernels[i].name, jobs[i], kernels[i]));
        stats["kernels"] = list;
    }

    std::vector<Check> checks;
    if (o.functional) {
        const Job& last = jobs.back();
        if (files.out) write_npy(*files.out, load_output(platform.memory(), last), last.program == "gemm" ? 2 : 4);
        if (o.check && plan.kind == "attention") {
            checks.push_back(
                check_attention(reference.finish(), load_output(platform.memory(), jobs[0]), jobs[0], arch, o));
        } else if (o.check && plan.kind == "gemm") {
            checks.push_back(check_gemm(reference.finish(), load_output(platform.memory(), jobs[0]), "gemm", jobs[0], o));
        } else if (o.check) {
            for (const LayerKernel& k : plan.kernels) {
                Memory& mem = platform.memory();
                auto read = [&](Tensor t) { return load_tensor(mem, k.job.layout(t), k.job.tensor(t).shape, k.job.elem); };
                if (k.job.program == "gemm") {
                    checks.push_back(check_gemm(gemm_reference(read(Tensor::X), read(Tensor::W)), load_output(mem, k.job),
                                                k.name, k.job, o));
                } else {
                    const AttentionInputs in{read(Tensor::Q), read(Tensor::K), read(Tensor::V)};
                    checks.push_back(
                        check_attention(attention_reference(in, k.job.shape), load_output(mem, k.job), k.job, arch, o, k.name));
                }
            }
        }
        if (!checks.empty()) {
            // The headline fields give the worst kernel; "checks" lists every one.
            const Check* worst = &checks.front();
            for (const Check& c : checks)
                if (!c.passed() || c.error.max_rel_error > worst->error.max_rel_error) worst = &c;
            stats["max_abs_error"] = worst->error.max_abs_error;
            stats["max_rel_error"] = worst->error.max_rel_error;
            std::uint64_t non_finite = 0;
            for (const Check& c : checks) non_finite += c.error.non_finite;
            stats["non_finite_outputs"] = non_finite;
            bool all = true;
            nlohmann::json list = nlohmann::json::array();
            for (const Check& c : checks) {
                all = all && c.passed();
                list.push_back({{"kernel", c.kernel}, {"passed", c.passed()}, {"max_abs_error", c.error.max_abs_error},
                                {"max_rel_error", c.error.max_rel_error}, {"abs_bound", c.bound.abs_bound},
                                {"rel_bound", c.bound.rel_bound}, {"tolerance", c.tolerance},
                                {"basis", c.user_tolerance ? std::string("--tolerance") : c.bound.basis}});
            }
            stats["check"] = {{"passed", all},
                              {"abs_bound", worst->bound.abs_bound},
                              {"rel_bound", worst->bound.rel_bound},
                              {"tolerance", worst->tolerance},
                              {"basis", worst->user_tolerance ? std::string("--tolerance") : worst->bound.basis}};
            if (checks.size() > 1) stats["checks"] = list;
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    // Measurements of this machine, apart from the simulated (reproducible) statistics.
    stats["host"] = {{"wall_s", wall}, {"cpu_s", double(std::clock() - cpu_start) / CLOCKS_PER_SEC}};
    if (files.stats) {
        files.stats->write(stats.dump(2) + "\n");
        files.stats->close();
    }
    if (stats_out) *stats_out = stats;
    if (o.stats_path && *o.stats_path == "-") std::cout << stats.dump(2) << "\n";  // --stats -: to stdout
    if (!o.quiet) print_summary(top, w, plan, kernels, total, o.functional, checks, wall);
    std::fflush(stdout);
    for (const Check& c : checks)
        if (!c.passed()) {
            std::fprintf(stderr, "fusemax-sim: numerical check failed%s%s: max rel error %.3e > %s %.1e\n",
                         checks.size() > 1 ? " in " : "", checks.size() > 1 ? c.kernel.c_str() : "", c.error.max_rel_error,
                         c.user_tolerance ? "tolerance" : "bound", c.tolerance);
            return kExitCheckFailed;
        }
    return kExitOk;
}

}  // namespace fusemax
