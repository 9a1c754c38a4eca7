#pragma once
#include <systemc>

#include <memory>
#include <string>

#include "fusemax/io/files.h"

namespace fusemax {

// A VCD waveform file whose write errors are reported. SystemC writes trace files itself and does
// not report failed writes, so the waveforms go to a private temporary file, which close() copies
// into the destination through a checked OutputFile. The destination is opened at construction, so
// a path that cannot be written fails before the simulation runs.
class VcdOutput {
public:
    VcdOutput(const std::string& path, const std::string& what);
    ~VcdOutput();
    VcdOutput(const VcdOutput&) = delete;
    VcdOutput& operator=(const VcdOutput&) = delete;

    sc_core::sc_trace_file* file() const { return tf_; }
    // Closes the trace and copies it into the destination; throws ConfigError on any failure.
    void close();

private:
    OutputFile out_;
    std::string dir_;
    sc_core::sc_trace_file* tf_ = nullptr;
};

}  // namespace fusemax
