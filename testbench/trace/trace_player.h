#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "platform/cpu_driver.h"

namespace fusemax {

// One command of a trace script (NVDLA-style trace player):
//   load_mem ADDR FILE               write FILE (.npy: its array data; else raw bytes) at ADDR
//   write_reg OFF VALUE [opts]       register write at CSR offset OFF (number or name)
//   read_reg OFF MASK EXPECTED [opts] read, check (value & MASK) == EXPECTED
//   wait_irq TIMEOUT                 wait for the interrupt (e.g. 500us, 2ms); fails on timeout
//   dump_mem ADDR LEN FILE           write LEN bytes from ADDR to FILE
//   compare_mem ADDR FILE TOL        memory at ADDR as float32 against a .npy: normwise rel error <= TOL
//   wait TIME                        let simulated time pass
// opts: width=N (access size in bytes, 1 to 8, to test wrong widths) and expect=STATUS (OK,
// ADDRESS_ERROR, COMMAND_ERROR, BURST_ERROR, BYTE_ENABLE_ERROR, GENERIC_ERROR, INCOMPLETE; default
// OK). Numbers are decimal or 0x hex (no octal); VALUE, MASK and EXPECTED may be f:<float> (its fp32
// bits) and must fit the access width. OFF must lie in the register window (kCsrWindow bytes).
// Times take a unit (ps, ns, us, ms, s) and are at most 10^6 s. '#' starts a comment. Relative
// file names are relative to the script.
struct TraceCommand {
    enum class Kind { LoadMem, WriteReg, ReadReg, WaitIrq, DumpMem, CompareMem, Wait };
    Kind kind = Kind::Wait;
    int line = 0;
    std::uint64_t address = 0, value = 0, mask = 0, expected = 0, length = 0;
    unsigned width = 4;
    int expect_status = 1;  // tlm::tlm_response_status
    double tolerance = 0, seconds = 0;
    std::string file;
};

struct TraceScript {
    std::string path;
    std::vector<TraceCommand> commands;
};

// Bytes of the register window a script may address (offsets 0 to kCsrWindow - 1).
inline constexpr std::uint64_t kCsrWindow = 0x1000;

// Parses a script; a malformed line is a ConfigError "file:line: ...".
TraceScript parse_trace(const std::string& path);
TraceScript parse_trace(std::istream& in, const std::string& path);

struct TraceResult {
    bool passed = true;
    std::string failure;  // "file:line: what went wrong"
    int commands_run = 0;
};

// Runs the script as the program of `cpu`, with the IP's registers at `csr_base` and a platform
// memory of `memory_bytes` from address 0. A file that does not fit the memory, or an output that
// cannot be written, is a ConfigError naming the script line.
void run_trace(CpuDriver& cpu, const TraceScript& script, std::uint64_t csr_base, std::uint64_t memory_bytes,
               TraceResult& result);

// TLM's name of a response status ("ADDRESS_ERROR"), and the status a name stands for.
const char* response_status_name(int status);

}  // namespace fusemax
