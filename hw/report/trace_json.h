#pragma once
#include <string>

#include "fusemax/io/files.h"
#include "fusemax/top/fusemax.h"

namespace fusemax {

// Writes the activity slices the IP's modules recorded as a Chrome/Perfetto trace (JSON
// trace-event format): one track per module, one complete event per tile op or transfer, named by
// op and tile indices, timestamps and durations in simulated microseconds. Throws ConfigError if
// the file cannot be written.
void write_trace_json(const FuseMax& top, OutputFile& out);

}  // namespace fusemax
