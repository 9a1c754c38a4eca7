#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace fusemax {

// What one task left: its output, or why it failed.
struct ForkResult {
    bool skipped = false;  // `skip` said so when its turn came: never run
    bool ok = false;
    std::string output;  // what the task returned (ok), or its error message
};

// Runs tasks 0..count-1, at most `workers` at a time, each in a child forked from this process:
// SystemC elaborates one simulation per process, and a fork inherits everything already parsed
// (no exec, no reading files again). The child calls `task(i)` and sends back the string it
// returns; an exception becomes a failed result carrying its message, as does a child that dies.
// `done(i, result)` is called in the parent as each task ends (progress, pruning); `skip(i)`, when
// task i's turn comes, may pass it over in the light of what has ended; `ready(i)`, when given,
// holds task i back (no fork, no skip decision) until it says yes, so that the decision can wait
// for the results it depends on. Results are indexed by task, whatever the order they end in.
std::vector<ForkResult> run_forked(std::size_t count, unsigned workers,
                                   const std::function<std::string(std::size_t)>& task,
                                   const std::function<void(std::size_t, const ForkResult&)>& done = {},
                                   const std::function<bool(std::size_t)>& skip = {},
                                   const std::function<bool(std::size_t)>& ready = {});

}  // namespace fusemax
