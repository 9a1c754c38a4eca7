#include "trace/trace_player.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_error.h"
#include "config/yaml_map.h"
#include "csr/fusemax_regs.h"
#include "io/npy.h"

namespace fusemax {
namespace {

const char* const kStatusNames[] = {"", "OK", "INCOMPLETE", "GENERIC_ERROR", "ADDRESS_ERROR", "COMMAND_ERROR",
                                    "BURST_ERROR", "BYTE_ENABLE_ERROR"};

// TLM's response statuses are 1 (OK) down to -5 (byte enable error).
int status_code(const std::string& name) {
    const std::pair<const char*, int> table[] = {{"OK", 1},          {"INCOMPLETE", 0},    {"GENERIC_ERROR", -1},
                                                 {"ADDRESS_ERROR", -2}, {"COMMAND_ERROR", -3}, {"BURST_ERROR", -4},
                                                 {"BYTE_ENABLE_ERROR", -5}};
    for (const auto& [n, c] : table)
        if (name == n) return c;
    return 2;
}

std::string status_name(int code) { return code >= -5 && code <= 1 ? kStatusNames[1 - code] : "?"; }

class Parser {
public:
    Parser(const std::string& path, int line) : where_(path + ":" + std::to_string(line) + ": ") {}
    [[noreturn]] void fail(const std::string& what) const { throw ConfigError(where_ + what); }

    std::uint64_t number(const std::string& text, const char* what) const {
        if (text.rfind("f:", 0) == 0) {
            double d = 0;
            if (!parse_number(text.substr(2), d)) fail(std::string(what) + ": expected f:<float>, got '" + text + "'");
            const float f = static_cast<float>(d);
            std::uint32_t bits;
            std::memcpy(&bits, &f, 4);
            return bits;
        }
        char* end = nullptr;
        const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
        if (text.empty() || *end != '\0' || text[0] == '-')
            fail(std::string(what) + ": expected a number, got '" + text + "'");
        return v;
    }
    std::uint64_t offset(const std::string& text) const {
        for (const regs::RegName& r : regs::kRegNames)
            if (text == r.name) return r.offset;
        return number(text, "register offset");
    }
    double seconds(const std::string& text) const {
        double s = 0;
        if (!parse_duration(text, s)) fail("expected a time with a unit of ps, ns, us, ms or s (e.g. 100us), got '" + text + "'");
        return s;
    }

private:
    std::string where_;
};

std::vector<unsigned char> file_bytes(const TraceCommand& c, const std::string& script) {
    if (c.file.size() > 4 && c.file.substr(c.file.size() - 4) == ".npy") {
        const Tensor4 t = read_npy(c.file, "load_mem in " + script);
        std::vector<unsigned char> bytes(t.size() * 4);
        std::memcpy(bytes.data(), t.data.data(), bytes.size());
        return bytes;
    }
    std::ifstream in(c.file, std::ios::binary);
    if (!in) throw ConfigError(script + ":" + std::to_string(c.line) + ": cannot open '" + c.file + "'");
    return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TraceScript parse_trace(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(path + ": cannot open trace script");
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    TraceScript script{path, {}};
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::istringstream ss(line);
        std::vector<std::string> words, options;
        for (std::string w; ss >> w;) (w.find('=') != std::string::npos ? options : words).push_back(w);
        if (words.empty()) continue;
        const Parser p(path, number);
        TraceCommand c;
        c.line = number;
        const std::string& verb = words[0];
        auto need = [&](std::size_t n, const char* usage) {
            if (words.size() != n + 1) p.fail(verb + ": expected " + usage);
        };
        auto file = [&](const std::string& f) { return (dir / f).lexically_normal().string(); };
        if (verb == "load_mem") {
            need(2, "ADDR FILE");
            c.kind = TraceCommand::Kind::LoadMem;
            c.address = p.number(words[1], "ADDR");
            c.file = file(words[2]);
        } else if (verb == "write_reg") {
            need(2, "OFF VALUE");
            c.kind = TraceCommand::Kind::WriteReg;
            c.address = p.offset(words[1]);
            c.value = p.number(words[2], "VALUE");
        } else if (verb == "read_reg") {
            need(3, "OFF MASK EXPECTED");
            c.kind = TraceCommand::Kind::ReadReg;
            c.address = p.offset(words[1]);
            c.mask = p.number(words[2], "MASK");
            c.expected = p.number(words[3], "EXPECTED");
        } else if (verb == "wait_irq") {
            need(1, "TIMEOUT");
            c.kind = TraceCommand::Kind::WaitIrq;
            c.seconds = p.seconds(words[1]);
        } else if (verb == "dump_mem") {
            need(3, "ADDR LEN FILE");
            c.kind = TraceCommand::Kind::DumpMem;
            c.address = p.number(words[1], "ADDR");
            c.length = p.number(words[2], "LEN");
            c.file = file(words[3]);
        } else if (verb == "compare_mem") {
            need(3, "ADDR FILE TOL");
            c.kind = TraceCommand::Kind::CompareMem;
            c.address = p.number(words[1], "ADDR");
            c.file = file(words[2]);
            if (!parse_number(words[3], c.tolerance) || c.tolerance < 0) p.fail("TOL: expected a non-negative number");
        } else if (verb == "wait") {
            need(1, "TIME");
            c.kind = TraceCommand::Kind::Wait;
            c.seconds = p.seconds(words[1]);
        } else {
            p.fail("unknown command '" + verb + "' (expected load_mem, write_reg, read_reg, wait_irq, dump_mem, "
                   "compare_mem or wait)");
        }
        for (const std::string& o : options) {
            const std::string key = o.substr(0, o.find('=')), value = o.substr(o.find('=') + 1);
            if (key == "width") {
                c.width = static_cast<unsigned>(p.number(value, "width"));
                if (c.width == 0 || c.width > 8) p.fail("width: expected 1 to 8 bytes");
            } else if (key == "expect") {
                c.expect_status = status_code(value);
                if (c.expect_status == 2) p.fail("expect: unknown response status '" + value + "'");
            } else {
                p.fail("unknown option '" + key + "' (expected width= or expect=)");
            }
        }
        script.commands.push_back(c);
    }
    return script;
}

void run_trace(CpuDriver& cpu, const TraceScript& script, std::uint64_t csr, TraceResult& result) {
    auto fail = [&](const TraceCommand& c, const std::string& what) {
        result.passed = false;
        result.failure = script.path + ":" + std::to_string(c.line) + ": " + what;
    };
    auto hex = [](std::uint64_t v) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
        return std::string(buf);
    };
    for (const TraceCommand& c : script.commands) {
        ++result.commands_run;
        switch (c.kind) {
            case TraceCommand::Kind::LoadMem: {
                const std::vector<unsigned char> bytes = file_bytes(c, script.path);
                if (cpu.debug_write(c.address, bytes.data(), bytes.size()) != bytes.size())
                    return fail(c, "load_mem: " + std::to_string(bytes.size()) + " bytes at " + hex(c.address) +
                                       " do not fit the memory");
                break;
            }
            case TraceCommand::Kind::WriteReg: {
                const int s = cpu.write(csr + c.address, c.value, c.width);
                if (s != c.expect_status)
                    return fail(c, "write_reg " + hex(c.address) + ": response " + status_name(s) + ", expected " +
                                       status_name(c.expect_status));
                break;
            }
            case TraceCommand::Kind::ReadReg: {
                std::uint64_t v = 0;
                const int s = cpu.read(csr + c.address, v, c.width);
                if (s != c.expect_status)
                    return fail(c, "read_reg " + hex(c.address) + ": response " + status_name(s) + ", expected " +
                                       status_name(c.expect_status));
                if (s == 1 && (v & c.mask) != c.expected)
                    return fail(c, "read_reg " + hex(c.address) + ": read " + hex(v) + ", (value & " + hex(c.mask) +
                                       ") = " + hex(v & c.mask) + ", expected " + hex(c.expected));
                break;
            }
            case TraceCommand::Kind::WaitIrq:
                if (!cpu.wait_irq(sc_core::sc_time(c.seconds, sc_core::SC_SEC)))
                    return fail(c, "wait_irq: no interrupt within " + sc_core::sc_time(c.seconds, sc_core::SC_SEC).to_string());
                break;
            case TraceCommand::Kind::DumpMem: {
                std::vector<unsigned char> bytes(c.length);
                if (cpu.debug_read(c.address, bytes.data(), c.length) != c.length)
                    return fail(c, "dump_mem: " + hex(c.address) + "+" + std::to_string(c.length) + " is outside memory");
                std::ofstream out(c.file, std::ios::binary);
                out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
                if (!out) return fail(c, "dump_mem: cannot write '" + c.file + "'");
                break;
            }
            case TraceCommand::Kind::CompareMem: {
                const Tensor4 want = read_npy(c.file, "compare_mem in " + script.path);
                std::vector<float> got(want.size());
                if (cpu.debug_read(c.address, got.data(), got.size() * 4) != got.size() * 4)
                    return fail(c, "compare_mem: region outside memory");
                double err = 0, ref = 0;
                for (std::size_t i = 0; i < got.size(); ++i) {
                    if (!std::isfinite(got[i])) return fail(c, "compare_mem: non-finite value at element " + std::to_string(i));
                    err = std::max(err, double(std::abs(got[i] - want.data[i])));
                    ref = std::max(ref, double(std::abs(want.data[i])));
                }
                const double rel = ref > 0 ? err / ref : err;
                if (!(rel <= c.tolerance))
                    return fail(c, "compare_mem: relative error " + std::to_string(rel) + " > " + std::to_string(c.tolerance));
                break;
            }
            case TraceCommand::Kind::Wait: cpu.wait_for(sc_core::sc_time(c.seconds, sc_core::SC_SEC)); break;
        }
    }
}

}  // namespace fusemax
