#include "tool/tool_main.h"

#include <systemc>

#include <cstdio>
#include <new>
#include <string>

#include "fusemax/clock/clock.h"
#include "fusemax/protocol/word_port.h"
#include "fusemax/config/config_error.h"

namespace fusemax {
namespace {

// One line: a message spanning lines (a SystemC report has "In file: ...") is folded.
std::string one_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (char& c : s)
        if (c == '\n') c = ' ';
    return s;
}

int report(const char* tool, const std::string& message, int code, bool prefix = true) {
    std::fflush(stdout);
    const std::string line = one_line(message);
    if (prefix && line.rfind(std::string(tool) + ":", 0) != 0) std::fprintf(stderr, "%s: %s\n", tool, line.c_str());
    else std::fprintf(stderr, "%s\n", line.c_str());
    return code;
}

}  // namespace

ExitCode exit_code_for(regs::Error error) {
    switch (error) {
        case regs::Error::None: return kExitOk;
        case regs::Error::BadJob:
        case regs::Error::TimeLimit: return kExitBadInput;
        case regs::Error::MemoryError: return kExitPlatformError;
        default: return kExitInternal;
    }
}

const char* error_name(regs::Error error) {
    switch (error) {
        case regs::Error::None: return "none";
        case regs::Error::StartWhileBusy: return "start while busy";
        case regs::Error::BadJob: return "bad job";
        case regs::Error::MemoryError: return "memory error";
        case regs::Error::Aborted: return "aborted";
        case regs::Error::TimeLimit: return "time limit";
        case regs::Error::Internal: return "internal error";
    }
    return "unknown error";
}

int run_tool(const char* tool, const std::function<int()>& body) {
    try {
        return body();
    } catch (const ConfigError& e) {
        // Bad-input messages already name the file, key or flag; they are printed as they are.
        return report(tool, e.what(), kExitBadInput, false);
    } catch (const TransportError& e) {
        return report(tool, std::string("simulation error: ") + e.what(), kExitPlatformError);
    } catch (const TimeLimitError& e) {
        return report(tool, e.what(), kExitBadInput);
    } catch (const std::bad_alloc&) {
        return report(tool, "out of memory (a smaller job, or --mode timing, needs less)", kExitBadInput);
    } catch (const sc_core::sc_report& e) {
        return report(tool, std::string("internal error: SystemC report ") + e.get_msg_type() + ": " + e.get_msg(),
                      kExitInternal);
    } catch (const std::exception& e) {
        return report(tool, std::string("internal error: ") + e.what(), kExitInternal);
    } catch (...) {
        return report(tool, "internal error: unknown exception", kExitInternal);
    }
}

}  // namespace fusemax
