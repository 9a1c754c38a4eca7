// The `fusemax` Python module's native half: runs a fusemax-sim job in this process's image. SystemC
// elaborates one simulation per process, so each call forks a child that elaborates, simulates
// and sends back the statistics; the caller's process never starts SystemC, so any number of
// calls (and threads) may run. The GIL is released while the child works.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "fusemax/config/config_error.h"
#include "explore/fork_pool.h"
#include "fusemax/report/stat_catalog.h"
#include "sim/sim_run.h"

namespace py = pybind11;
using namespace fusemax;

// libsystemc refers to sc_main, which nothing here calls (the child runs the job itself).
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) { return 0; }

namespace {

// One job: fusemax-sim's argument list (without the program name). Returns {"exit": code,
// "stats": {...}} as JSON text; a bad input, or any failure of the model, raises.
std::string simulate(const std::vector<std::string>& args) {
    std::string result;
    ForkResult r;
    {
        py::gil_scoped_release release;
        const auto results = run_forked(1, 1, [&args](std::size_t) {
            std::string help;
            const SimOptions o = parse_sim_options_as("fusemax", args, help);
            if (o.help) return nlohmann::json{{"exit", 0}, {"help", help}}.dump();
            nlohmann::json stats;
            const int code = run_simulation(o, arch_from_options(o, "fusemax"), &stats);
            return nlohmann::json{{"exit", code}, {"stats", stats}}.dump();
        });
        r = results.front();
    }
    if (!r.ok) throw std::runtime_error(retitled(r.output, "fusemax"));
    return r.output;
}

}  // namespace

PYBIND11_MODULE(_fusemax, m) {
    m.doc() = "FuseMax SystemC/TLM-2.0 model: native runner (use the fusemax package)";
    m.def("simulate", &simulate, py::arg("args"),
          "Runs fusemax-sim's job for these arguments in a forked child; returns JSON {exit, stats}.");
    m.def("describe_stats", &describe_stats, py::arg("format") = "json",
          "The statistics catalog (fusemax-sim --describe-stats) as text, json or csv.");
}
