// Uses the installed IP: its own memory, the IP bound through `mem` and `irq`, one job.
#include <systemc>

#include <cstdio>
#include <cstring>

#include "fusemax/config/arch_config.h"
#include "fusemax/memory/memory.h"
#include "fusemax/numerics/attention.h"
#include "fusemax/top/fusemax.h"
#include "memory/memory.h"  // the platform's own, beside the IP's

static_assert(platform::Memory::kIsThePlatforms == 1);

int sc_main(int, char**) {
    using namespace fusemax;
    const ArchConfig arch = load_arch_config(FUSEMAX_ARCH);
    Workload w;
    w.batch = 1, w.heads = 2, w.seq_q = w.seq_kv = 256, w.head_dim = w.v_dim = 32;
    const Job job = Job::packed(w, ElemType::F32, 0, true);
    Memory memory("memory", job.packed_end());
    FuseMax ip("fusemax", arch);
    sc_core::sc_signal<bool> irq("irq");
    ip.mem.bind(memory.socket);
    ip.irq.bind(irq);
    Tensor4 q({1, 2, 256, 32}), k({1, 2, 256, 32}), v({1, 2, 256, 32});
    fill_uniform(q, 1, -1, 1);
    fill_uniform(k, 2, -1, 1);
    fill_uniform(v, 3, -1, 1);
    std::memcpy(memory.backdoor(job.layout(Tensor::Q).base, q.size() * 4), q.data.data(), q.size() * 4);
    std::memcpy(memory.backdoor(job.layout(Tensor::K).base, k.size() * 4), k.data.data(), k.size() * 4);
    std::memcpy(memory.backdoor(job.layout(Tensor::V).base, v.size() * 4), v.data.data(), v.size() * 4);
    ip.start(job);
    sc_core::sc_start();
    Tensor4 o({1, 2, 256, 32});
    std::memcpy(o.data.data(), memory.backdoor(job.layout(Tensor::O).base, o.size() * 4), o.size() * 4);
    const double err = compare(o, attention_reference_fp64(q, k, v, 1.0)).max_rel_error;
    std::printf("consumer: %s, rel error %.2e\n", sc_core::sc_time_stamp().to_string().c_str(), err);
    return err < 1e-5 ? 0 : 1;
}
