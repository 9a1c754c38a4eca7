#include "tool/vcd_output.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "fusemax/config/config_error.h"

namespace fusemax {

VcdOutput::VcdOutput(const std::string& path, const std::string& what) : out_(path, what) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fusemax-vcd-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw ConfigError(path + " (" + what + "): cannot create a temporary folder for the waveforms");
    dir_ = tmpl;
    // The file is ours and temporary: SystemC's notes about its time unit are of no use on stdout.
    sc_core::sc_report_handler::set_actions("tracing timescale unit set", sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions("default timescale unit used for tracing", sc_core::SC_DO_NOTHING);
    tf_ = sc_core::sc_create_vcd_trace_file((dir_ + "/waves").c_str());
    tf_->set_time_unit(1, sc_core::SC_PS);  // the resolution: times in the file are exact
}

VcdOutput::~VcdOutput() {
    if (tf_) sc_core::sc_close_vcd_trace_file(tf_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void VcdOutput::close() {
    if (!tf_) return;
    sc_core::sc_close_vcd_trace_file(tf_);
    tf_ = nullptr;
    std::ifstream in(dir_ + "/waves.vcd", std::ios::binary);
    if (!in) throw ConfigError(out_.path() + ": the waveforms were not written (temporary file missing)");
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        out_.write(buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    out_.close();
}

}  // namespace fusemax
