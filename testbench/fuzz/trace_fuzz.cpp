// Fuzzes the trace-script parser: any text gives commands within the documented ranges (register
// offsets in the window, values that fit their width, bounded times) or a ConfigError naming the
// line.
#include <cstdint>
#include <sstream>
#include <string>

#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"
#include "trace/trace_player.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        const fusemax::TraceScript s = fusemax::parse_trace(in, "/fuzz/fuzz.trace");
        for (const fusemax::TraceCommand& c : s.commands) {
            using Kind = fusemax::TraceCommand::Kind;
            const bool reg = c.kind == Kind::WriteReg || c.kind == Kind::ReadReg;
            if (reg && (c.address >= fusemax::kCsrWindow || c.width == 0 || c.width > 8)) __builtin_trap();
            if (reg && c.width < 8 && ((c.value | c.mask | c.expected) >> (8 * c.width))) __builtin_trap();
            if (!(c.seconds >= 0 && c.seconds <= fusemax::kMaxDurationSeconds)) __builtin_trap();
        }
    } catch (const fusemax::ConfigError&) {
    }
    return 0;
}
