// fusemax-trace: plays a register/memory trace script against the FuseMax IP in the example
// platform (memory, bus, IP, CPU-like player).
//   fusemax-trace SCRIPT [--arch FILE] [--memory BYTES]
// Exit codes: 0 every command passed; 1 a check failed (the line is named); 2 bad script or config.
#include <systemc>

#include <cstdio>
#include <string>

#include "config/arch_config.h"
#include "config/config_error.h"
#include "platform/example_platform.h"
#include "trace/trace_player.h"

using namespace fusemax;

int sc_main(int argc, char** argv) {
    try {
        std::string script_path, arch_path = default_arch_path();
        std::uint64_t memory = 64ull << 20;
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--arch" && i + 1 < argc) arch_path = argv[++i];
            else if (a == "--memory" && i + 1 < argc) memory = std::strtoull(argv[++i], nullptr, 0);
            else if (!a.empty() && a[0] != '-' && script_path.empty()) script_path = a;
            else throw ConfigError("fusemax-trace: unknown argument '" + a + "' (usage: fusemax-trace SCRIPT [--arch FILE] [--memory BYTES])");
        }
        if (script_path.empty()) throw ConfigError("fusemax-trace: missing SCRIPT (usage: fusemax-trace SCRIPT [--arch FILE])");
        if (memory == 0) throw ConfigError("fusemax-trace: --memory: expected a positive size in bytes");
        const TraceScript script = parse_trace(script_path);
        const ArchConfig arch = load_arch_config(arch_path);
        TraceResult result;
        std::string config_error;
        ExamplePlatform platform(arch, memory, [&](CpuDriver& cpu) {
            try {
                run_trace(cpu, script, ExamplePlatform::kCsrBase, result);
            } catch (const ConfigError& e) {
                config_error = e.what();
            }
        });
        sc_core::sc_start();
        if (!config_error.empty()) throw ConfigError(config_error);
        if (!result.passed) {
            std::fprintf(stderr, "fusemax-trace: FAILED %s\n", result.failure.c_str());
            return 1;
        }
        std::printf("fusemax-trace: %s: %d commands passed at %s\n", script_path.c_str(), result.commands_run,
                    sc_core::sc_time_stamp().to_string().c_str());
        return 0;
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
}
