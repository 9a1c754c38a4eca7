#include <map>

#include "fusemax/config/config_error.h"
#include "fusemax/scheduler/flat_program.h"
#include "fusemax/scheduler/gemm_program.h"
#include "fusemax/scheduler/one_pass_program.h"
#include "fusemax/scheduler/program.h"
#include "fusemax/scheduler/unfused_program.h"

namespace fusemax {
namespace {

std::map<std::string, ProgramFactory, std::less<>>& registry() {
    static std::map<std::string, ProgramFactory, std::less<>> programs{
        {"one_pass", OnePassProgram::factory()},
        {"unfused", UnfusedProgram::factory()},
        {"flat", FlatProgram::factory()},
        {"gemm", GemmProgram::factory()},
    };
    return programs;
}

}  // namespace

const ProgramFactory& program_factory(std::string_view name) {
    const auto it = registry().find(name);
    if (it == registry().end()) throw ConfigError("no program named '" + std::string(name) + "' is registered");
    return it->second;
}

void register_program(const std::string& name, ProgramFactory factory) { registry()[name] = std::move(factory); }

}  // namespace fusemax
