#pragma once
#include <functional>

#include "tool/exit_codes.h"

namespace fusemax {

// Runs the body of an executable's sc_main and turns whatever escapes it into one line on stderr,
// "TOOL: ...", and the documented exit code: ConfigError (bad input) 2, TransportError (a TLM error
// response) 3, TimeLimitError (simulated time ran out) 2, std::bad_alloc 2, a SystemC report or any
// other exception 4. Nothing reaches SystemC's own handler, which would print E549 on stdout.
int run_tool(const char* tool, const std::function<int()>& body);

}  // namespace fusemax
