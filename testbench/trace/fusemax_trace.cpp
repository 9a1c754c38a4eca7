// fusemax-trace: plays a register/memory trace script against the FuseMax IP in the example
// platform (memory, bus, IP, CPU-like player).
//   fusemax-trace SCRIPT [--arch FILE] [--memory SIZE]
// Exit codes (README): 0 every command passed; 1 a check failed (the line is named); 2 bad script,
// configuration or file; 4 an internal error.
#include <systemc>

#include <cstdio>
#include <string>

#include "fusemax/config/arch_config.h"
#include "fusemax/config/config_error.h"
#include "platform/example_platform.h"
#include "tool/cli.h"
#include "tool/host_memory.h"
#include "tool/tool_main.h"
#include "trace/trace_player.h"

using namespace fusemax;

namespace {

constexpr const char* kTool = "fusemax-trace";

int run(int argc, char** argv) {
    cli::po::options_description desc(
        "fusemax-trace: plays a register/memory trace script against the FuseMax IP in a virtual platform\n"
        "Usage: fusemax-trace SCRIPT [options]\nOptions");
    desc.add_options()
        ("help,h", "print this help and exit")
        ("script", cli::po::value<std::string>(), "the trace script (also the first positional argument)")
        ("arch", cli::po::value<std::string>(), "architecture YAML (default: configs/arch/fusemax.yaml)")
        ("memory", cli::po::value<std::string>(), "platform memory size in bytes, e.g. 64M (default 64M)");
    cli::po::positional_options_description positional;
    positional.add("script", 1);
    const auto vm = cli::parse(kTool, desc, positional, argc, argv);
    if (cli::help_requested(vm, desc)) return kExitOk;
    if (!vm.count("script")) throw ConfigError("fusemax-trace: missing SCRIPT (usage: fusemax-trace SCRIPT [--arch FILE] [--memory SIZE]; see --help)");
    const std::string script_path = cli::text(vm, "script");
    const std::string arch_path = vm.count("arch") ? cli::text(vm, "arch") : default_arch_path();
    const std::uint64_t memory = vm.count("memory") ? cli::size_bytes(vm, kTool, "memory") : 64ull << 20;
    if (memory > ExamplePlatform::kCsrBase)
        throw ConfigError("fusemax-trace: --memory: " + std::to_string(memory) + " bytes reach the registers at 2^48");
    const HostMemory host = available_host_memory();
    if (memory > host.bytes)
        throw ConfigError("fusemax-trace: --memory: " + format_bytes(memory) + " is more than the " +
                          format_bytes(host.bytes) + " available (" + host.source + ")");
    const TraceScript script = parse_trace(script_path);
    const ArchConfig arch = load_arch_config(arch_path);
    TraceResult result;
    std::string config_error;
    ExamplePlatform platform(arch, memory, [&](CpuDriver& cpu) {
        try {
            run_trace(cpu, script, ExamplePlatform::kCsrBase, memory, result);
        } catch (const ConfigError& e) {
            config_error = e.what();
        }
    });
    sc_core::sc_start();
    if (!config_error.empty()) throw ConfigError(config_error);
    if (!result.passed) {
        std::fprintf(stderr, "fusemax-trace: FAILED %s\n", result.failure.c_str());
        return kExitCheckFailed;
    }
    std::printf("fusemax-trace: %s: %d commands passed at %s\n", script_path.c_str(), result.commands_run,
                sc_core::sc_time_stamp().to_string().c_str());
    return kExitOk;
}

}  // namespace

int sc_main(int argc, char** argv) {
    return run_tool(kTool, [&] { return run(argc, argv); });
}
