// Functional-mode throughput: the SystemC model computing attention, against a plain fp32
// attention (models/numerics, the 3-pass softmax) of the same shape, in the same process.
//   functional_bench [B H P M E]     (default 1 4 2048 2048 64)
// Prints MAC/s of both (MACs = B H P M (E + F)) and the model's overhead factor.
#include <systemc>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "config/arch_config.h"
#include "numerics/attention.h"
#include "platform/job_platform.h"

using namespace fusemax;

int sc_main(int argc, char** argv) {
    Workload w;
    w.batch = 1, w.heads = 4, w.seq_q = 2048, w.seq_kv = 2048, w.head_dim = 64, w.v_dim = 64;
    if (argc == 6) {
        w.batch = std::strtoull(argv[1], nullptr, 10);
        w.heads = std::strtoull(argv[2], nullptr, 10);
        w.seq_q = std::strtoull(argv[3], nullptr, 10);
        w.seq_kv = std::strtoull(argv[4], nullptr, 10);
        w.head_dim = w.v_dim = std::strtoull(argv[5], nullptr, 10);
    }
    validate_workload(w, "functional_bench");
    const ArchConfig arch = load_arch_config(default_arch_path());
    const AttentionInputs in = random_inputs(w, 1);
    const double macs = double(w.batch * w.heads) * double(w.seq_q) * double(w.seq_kv) * double(w.head_dim + w.v_dim);
    using clock = std::chrono::steady_clock;

    const auto t0 = clock::now();
    const Tensor4 plain = attention_three_pass_fp32(in.q, in.k, in.v, 1.0f);
    const double plain_s = std::chrono::duration<double>(clock::now() - t0).count();

    const auto t1 = clock::now();
    JobPlatform platform(arch, w, ElemType::F32, true);
    platform.load_inputs(in);
    platform.run();
    const Tensor4 model = platform.output();
    const double model_s = std::chrono::duration<double>(clock::now() - t1).count();

    double diff = 0, ref = 0;
    for (std::size_t i = 0; i < model.size(); ++i) {
        diff = std::max(diff, double(std::abs(model.data[i] - plain.data[i])));
        ref = std::max(ref, double(std::abs(plain.data[i])));
    }
    std::printf("shape B=%llu H=%llu P=%llu M=%llu E=F=%llu, %.3g MACs\n", (unsigned long long)w.batch,
                (unsigned long long)w.heads, (unsigned long long)w.seq_q, (unsigned long long)w.seq_kv,
                (unsigned long long)w.head_dim, macs);
    std::printf("plain fp32 attention   %.3f s  %.3g MAC/s\n", plain_s, macs / plain_s);
    std::printf("SystemC model          %.3f s  %.3g MAC/s\n", model_s, macs / model_s);
    std::printf("overhead               %.2fx (model time / plain time); outputs agree to %.1e\n", model_s / plain_s,
                ref > 0 ? diff / ref : diff);
    return 0;
}
