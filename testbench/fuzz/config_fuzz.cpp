// Fuzzes the configuration loaders. The first byte picks the file kind (architecture, workload,
// energy table, FLAT dataflow CSV); the rest is its text, written beside copies of the shipped
// energy tables and FLAT table so that relative paths and `base:` resolve. A configuration that
// loads is then tiled and planned against a few workloads, and every op's cost is evaluated, as
// the scheduler would at START: each step either works or throws ConfigError.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <tuple>

#include <unistd.h>
#include <string>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/config_error.h"
#include "fusemax/config/flat_dataflow.h"
#include "fusemax/config/workload.h"
#include "fusemax/energy/energy_table.h"
#include "fusemax/tiling/tiling.h"

namespace fs = std::filesystem;

namespace {

fs::path workdir() {
    static const fs::path dir = [] {
        const fs::path d = fs::temp_directory_path() / ("fusemax-config-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(d / "arch");
        fs::copy(fs::path(FUSEMAX_CONFIG_DIR) / "energy", d / "energy", fs::copy_options::overwrite_existing);
        fs::copy(fs::path(FUSEMAX_CONFIG_DIR) / "flat", d / "flat", fs::copy_options::overwrite_existing);
        for (const char* f : {"fusemax.yaml", "flat_hardware.yaml"})
            fs::copy_file(fs::path(FUSEMAX_CONFIG_DIR) / "arch" / f, d / "arch" / f, fs::copy_options::overwrite_existing);
        return d;
    }();
    return dir;
}

void exercise(const fusemax::ArchConfig& a) {
    fusemax::Workload w;
    for (const auto& [p, m, e] : {std::tuple{1ull, 1ull, 1ull}, {300ull, 700ull, 48ull}, {4096ull, 4096ull, 64ull}}) {
        w.seq_q = p, w.seq_kv = m, w.head_dim = w.v_dim = e;
        try {
            const fusemax::Tiling t = fusemax::choose_tiling(a, w);
            const fusemax::GlbPlan plan = fusemax::plan_glb(a, w, t);
            if (t.p1 == 0 || t.p2 * t.p1 != t.query_tiles) __builtin_trap();
            if (plan.words_used > a.glb_capacity_words()) __builtin_trap();
        } catch (const fusemax::ConfigError&) {
        }
        const fusemax::CostVariables v{std::int64_t(e), std::int64_t(e), a.pe2d.rows, a.pe2d.cols, a.pe1d.lanes};
        for (const fusemax::OpBinding& b : a.schedule.ops) try {
                b.cycles.eval(v);
                b.result_latency.eval(v);
            } catch (const std::overflow_error&) {
            }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const char* names[] = {"arch/fuzz.yaml", "workload.yaml", "energy/fuzz.yaml", "flat/fuzz.csv"};
    const fs::path path = workdir() / names[data[0] % 4];
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data + 1), std::streamsize(size - 1));
    try {
        switch (data[0] % 4) {
            case 0: exercise(fusemax::load_arch_config(path.string())); break;
            case 1: fusemax::load_workload(path.string()); break;
            case 2: fusemax::load_energy_table(path.string()); break;
            case 3: fusemax::load_flat_dataflow(path.string()); break;
        }
    } catch (const fusemax::ConfigError&) {
    }
    return 0;
}
