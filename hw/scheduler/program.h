#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fusemax/config/arch_config.h"
#include "fusemax/scheduler/program_context.h"
#include "fusemax/tiling/tiling.h"

namespace fusemax {

// A program: the loop nest of one design or kernel, issuing tile ops and DRAM transfers through
// its ProgramContext. One file per program; each registers a factory under its name (the name a
// configuration gives as schedule.program, see models/program/programs.h).
class Program {
public:
    virtual ~Program() = default;
    virtual void run() = 0;
    // After run(): when each GLB buffer it used was last read. Empty: all of the GLB is in use
    // until the job's last op ends. Words outside the listed ranges are free from the start.
    virtual std::vector<GlbRelease> glb_releases() const { return {}; }
};

// How a program is made and checked. `validate` runs at START, before anything is issued: whatever
// the job needs of the architecture (GLB space, tables) that it does not have is a ConfigError
// naming it, never a transport error in the middle of the job.
struct ProgramFactory {
    std::function<void(const ArchConfig&, const Job&, const Tiling&)> validate;
    std::function<std::unique_ptr<Program>(ProgramContext&, const Tiling&, const GlbPlan&)> create;
};

// The factory registered under `name`; ConfigError when there is none.
const ProgramFactory& program_factory(std::string_view name);
// Adds or replaces a program (a platform may bring its own).
void register_program(const std::string& name, ProgramFactory factory);

}  // namespace fusemax
