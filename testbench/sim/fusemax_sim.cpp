// fusemax-sim: attention, a GEMM or a whole transformer layer on the FuseMax model, each kernel's
// output checked against the fp64 reference.
#include <iostream>

#include "fusemax/report/stat_catalog.h"
#include "sim/sim_run.h"
#include "tool/exit_codes.h"
#include "tool/tool_main.h"

using namespace fusemax;

namespace {

int run(int argc, char** argv) {
    std::string help;
    const SimOptions o = parse_sim_options(argc, argv, help);
    if (o.help) {
        std::cout << help;
        return kExitOk;
    }
    if (o.describe_stats) {
        std::cout << describe_stats(*o.describe_stats);
        return kExitOk;
    }
    return run_simulation(o, arch_from_options(o, "fusemax-sim"));
}

}  // namespace

int sc_main(int argc, char** argv) {
    return run_tool("fusemax-sim", [&] { return run(argc, argv); });
}
