// fusemax-platform: a CPU programs the FuseMax IP through its registers in a small virtual
// platform, waits for the interrupt, reads O back from memory and checks it against fp64.
//   fusemax-platform [--arch FILE] [--batch B --heads H --seq N --head-dim E] [--help]
#include <systemc>

#include <cstdio>
#include <cstring>
#include <string>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/config_error.h"
#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/numerics/attention.h"
#include "platform/job_platform.h"
#include "platform/example_platform.h"
#include "tool/cli.h"
#include "tool/tool_main.h"

using namespace fusemax;

namespace {

constexpr const char* kTool = "fusemax-platform";

int run(int argc, char** argv) {
    cli::po::options_description desc(
        "fusemax-platform: a CPU programs the FuseMax IP through its registers in a small virtual platform,\n"
        "waits for the interrupt and checks O against the fp64 reference\nOptions");
    desc.add_options()
        ("help,h", "print this help and exit")
        ("arch", cli::po::value<std::string>(), "architecture YAML (default: configs/arch/fusemax.yaml)")
        ("batch", cli::po::value<std::string>(), "batch size B (default 1)")
        ("heads", cli::po::value<std::string>(), "heads H (default 2)")
        ("seq", cli::po::value<std::string>(), "sequence length, queries = keys (default 512)")
        ("head-dim", cli::po::value<std::string>(), "head dim E = F (default 64)");
    const auto vm = cli::parse(kTool, desc, {}, argc, argv);
    if (cli::help_requested(vm, desc)) return kExitOk;
    const std::string arch_path = vm.count("arch") ? cli::text(vm, "arch") : default_arch_path();
    Workload w;
    w.batch = 1, w.heads = 2, w.seq_q = w.seq_kv = 512, w.head_dim = w.v_dim = 64;
    if (vm.count("batch")) w.batch = cli::positive_int(vm, kTool, "batch");
    if (vm.count("heads")) w.heads = cli::positive_int(vm, kTool, "heads");
    if (vm.count("seq")) w.seq_q = w.seq_kv = cli::positive_int(vm, kTool, "seq");
    if (vm.count("head-dim")) w.head_dim = w.v_dim = cli::positive_int(vm, kTool, "head-dim");
    validate_workload(w, "fusemax-platform");
    const ArchConfig arch = load_arch_config(arch_path);
    const Job job = Job::packed(w, ElemType::F32, ExamplePlatform::kMemoryBase, true);
    const AttentionInputs in = random_inputs(w, 7);
    const std::uint64_t csr = ExamplePlatform::kCsrBase;
    Tensor4 out({w.batch, w.heads, w.seq_q, w.v_dim});
    JobOutcome r;

    ExamplePlatform platform(arch, job.packed_end(), [&](CpuDriver& cpu) {
        cpu.write_block(job.layout(Tensor::Q).base, in.q.data.data(), in.q.size() * 4);
        cpu.write_block(job.layout(Tensor::K).base, in.k.data.data(), in.k.size() * 4);
        cpu.write_block(job.layout(Tensor::V).base, in.v.data.data(), in.v.size() * 4);
        r = run_job(cpu, csr, job, sc_core::sc_time(1, sc_core::SC_SEC));
        cpu.read_block(job.layout(Tensor::O).base, out.data.data(), out.size() * 4);
    });
    sc_core::sc_start();

    const ErrorStats e = compare(out, attention_reference_fp64(in.q, in.k, in.v, 1.0));
    std::printf("FuseMax IP in a virtual platform: B=%llu H=%llu P=M=%llu E=F=%llu\n", (unsigned long long)w.batch,
                (unsigned long long)w.heads, (unsigned long long)w.seq_q, (unsigned long long)w.head_dim);
    std::printf("  interrupt      %s, STATUS 0x%08llx\n", r.interrupted ? "raised" : "NOT raised",
                (unsigned long long)r.status);
    std::printf("  CYCLES         %llu (PE2D_BUSY %llu, PE1D_BUSY %llu)\n", (unsigned long long)r.cycles,
                (unsigned long long)r.pe2d_busy, (unsigned long long)r.pe1d_busy);
    std::printf("  check          max rel error %.3e vs fp64\n", e.max_rel_error);
    std::printf("  simulated time %s\n", sc_core::sc_time_stamp().to_string().c_str());
    const bool ok = r.interrupted && (r.status & regs::STATUS_DONE) && (r.status & regs::STATUS_ERROR_MASK) == 0 &&
                    e.max_rel_error < 1e-5;
    if (!ok) std::fprintf(stderr, "fusemax-platform: FAILED (%s)\n", platform.ip().registers().last_error().c_str());
    return ok ? kExitOk : kExitCheckFailed;
}

}  // namespace

int sc_main(int argc, char** argv) {
    return run_tool(kTool, [&] { return run(argc, argv); });
}
