// Functional-mode throughput of the SystemC model, for tools/bench.py to set beside numpy on the
// same shape:
//   functional_bench attention B H P M E     (E = F)
//   functional_bench gemm M K N
// Runs the job on FuseMax in functional mode and prints the seconds the simulation took (the job
// from start to completion, inputs already in platform memory; neither generating them nor the
// fp64 check is counted), the MACs (attention: B H P M (E + F); GEMM: M K N) and the MAC rate,
// as "model <seconds> s <macs> MACs <rate> MAC/s", and the error against the fp64 reference.
#include <systemc>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fusemax/config/arch_config.h"
#include "fusemax/numerics/attention.h"
#include "fusemax/numerics/blas.h"
#include "fusemax/numerics/gemm.h"
#include "platform/job_platform.h"

using namespace fusemax;

namespace {

std::uint64_t arg(char** argv, int i) { return std::strtoull(argv[i], nullptr, 10); }

double seconds_of(JobPlatform& platform) {
    const auto t0 = std::chrono::steady_clock::now();
    platform.run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void report(double s, double macs, double rel_error) {
    std::printf("model %.6f s %.6g MACs %.6g MAC/s\n", s, macs, macs / s);
    std::printf("error %.3g (normwise, against fp64)\n", rel_error);
    std::printf("blas %s\n", blas_description().c_str());
}

}  // namespace

int sc_main(int argc, char** argv) {
    const ArchConfig arch = load_arch_config(default_arch_path());
    if (argc == 7 && std::strcmp(argv[1], "attention") == 0) {
        Workload w;
        w.batch = arg(argv, 2), w.heads = arg(argv, 3), w.seq_q = arg(argv, 4), w.seq_kv = arg(argv, 5);
        w.head_dim = w.v_dim = arg(argv, 6);
        validate_workload(w, "functional_bench");
        const AttentionInputs in = random_inputs(w, 1);
        JobPlatform platform(arch, w, ElemType::F32, true);
        platform.load_inputs(in);
        const double s = seconds_of(platform);
        const double macs = double(w.pairs()) * double(w.seq_q) * double(w.seq_kv) * double(w.head_dim + w.v_dim);
        report(s, macs, compare(platform.output(), attention_reference_fp64(in.q, in.k, in.v, 1.0)).max_rel_error);
        return 0;
    }
    if (argc == 5 && std::strcmp(argv[1], "gemm") == 0) {
        GemmShape g;
        g.m = arg(argv, 2), g.k = arg(argv, 3), g.n = arg(argv, 4);
        validate_gemm(g, "functional_bench");
        const GemmInputs in = random_gemm_inputs(g, 1);
        JobPlatform platform(arch, Job::packed_gemm(g, ElemType::F32, 0, true));
        platform.load_inputs(in);
        const double s = seconds_of(platform);
        report(s, double(g.m) * double(g.k) * double(g.n),
               compare(platform.output(), gemm_reference_fp64(in.a, in.w)).max_rel_error);
        return 0;
    }
    std::fprintf(stderr, "usage: functional_bench attention B H P M E | functional_bench gemm M K N\n");
    return 2;
}
