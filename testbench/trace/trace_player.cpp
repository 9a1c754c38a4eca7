#include "trace/trace_player.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fusemax/config/config_error.h"
#include "fusemax/config/yaml_map.h"
#include "fusemax/csr/fusemax_regs.h"
#include "fusemax/io/files.h"
#include "fusemax/io/npy.h"
#include "fusemax/util/hex.h"

namespace fusemax {
namespace {

struct StatusName {
    const char* name;
    tlm::tlm_response_status status;
};
constexpr StatusName kStatusNames[] = {
    {"OK", tlm::TLM_OK_RESPONSE},
    {"INCOMPLETE", tlm::TLM_INCOMPLETE_RESPONSE},
    {"GENERIC_ERROR", tlm::TLM_GENERIC_ERROR_RESPONSE},
    {"ADDRESS_ERROR", tlm::TLM_ADDRESS_ERROR_RESPONSE},
    {"COMMAND_ERROR", tlm::TLM_COMMAND_ERROR_RESPONSE},
    {"BURST_ERROR", tlm::TLM_BURST_ERROR_RESPONSE},
    {"BYTE_ENABLE_ERROR", tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE},
};

class Parser {
public:
    Parser(const std::string& path, int line) : where_(path + ":" + std::to_string(line) + ": ") {}
    [[noreturn]] void fail(const std::string& what) const { throw ConfigError(where_ + what); }

    std::uint64_t number(const std::string& text, const char* what) const {
        std::uint64_t v = 0;
        if (!parse_unsigned(text, v))
            fail(std::string(what) + ": expected a number (decimal or 0x hex, at most 2^64 - 1), got '" + text + "'");
        return v;
    }
    // A register value: a number or f:<float>, which must fit `width` bytes.
    std::uint64_t value(const std::string& text, const char* what, unsigned width) const {
        std::uint64_t v = 0;
        if (text.rfind("f:", 0) == 0) {
            double d = 0;
            if (!parse_number(text.substr(2), d)) fail(std::string(what) + ": expected f:<float>, got '" + text + "'");
            const float f = static_cast<float>(d);
            std::uint32_t bits;
            std::memcpy(&bits, &f, 4);
            v = bits;
        } else {
            v = number(text, what);
        }
        if (width < 8 && v >> (8 * width))
            fail(std::string(what) + ": " + text + " does not fit a " + std::to_string(width) + "-byte access");
        return v;
    }
    std::uint64_t offset(const std::string& text, unsigned width) const {
        std::uint64_t off = 0;
        bool named = false;
        for (const regs::RegName& r : regs::kRegNames)
            if (text == r.name) off = r.offset, named = true;
        // Descriptor fields: D<i>_<FIELD>, i from 0 to DESC_COUNT - 1.
        if (!named && text.size() > 3 && text[0] == 'D' && text[1] >= '0' && text[1] <= '9' && text[2] == '_' &&
            std::uint32_t(text[1] - '0') < regs::DESC_COUNT)
            for (const regs::RegName& f : regs::kDescriptorFields)
                if (text.compare(3, std::string::npos, f.name) == 0)
                    off = regs::descriptor(std::uint32_t(text[1] - '0'), f.offset), named = true;
        if (!named) off = number(text, "register offset");
        if (off >= kCsrWindow || width > kCsrWindow - off)
            fail("register offset " + text + ": expected a register name or an offset below " + hex(kCsrWindow));
        return off;
    }
    double seconds(const std::string& text) const {
        double s = 0;
        if (!parse_duration(text, s))
            fail("expected a time with a unit of ps, ns, us, ms or s, at most 1000000 s (e.g. 100us), got '" + text + "'");
        return s;
    }

private:
    std::string where_;
};

// The bytes load_mem writes: a .npy's array data, or a raw file, never more than fit the memory
// from the address (a device such as /dev/zero has no end: reading stops past what fits).
std::vector<unsigned char> file_bytes(const TraceCommand& c, const std::string& where, std::uint64_t room) {
    if (c.file.size() > 4 && c.file.substr(c.file.size() - 4) == ".npy") {
        const Tensor4 t = read_npy(c.file, "load_mem at " + where);
        if (t.size() * 4 > room)
            throw ConfigError(where + "load_mem: " + c.file + " holds " + std::to_string(t.size() * 4) +
                              " bytes of data, more than the " + std::to_string(room) + " the memory has from " + hex(c.address));
        std::vector<unsigned char> bytes(t.size() * 4);
        std::memcpy(bytes.data(), t.data.data(), bytes.size());
        return bytes;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(c.file, ec)) throw ConfigError(where + "load_mem: " + c.file + " is a directory");
    std::ifstream in(c.file, std::ios::binary);
    if (!in) throw ConfigError(where + "load_mem: cannot open '" + c.file + "'");
    std::vector<unsigned char> bytes;
    std::vector<char> chunk(1 << 16);
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto n = static_cast<std::uint64_t>(in.gcount());
        if (bytes.size() + n > room)
            throw ConfigError(where + "load_mem: " + c.file + " is larger than the " + std::to_string(room) +
                              " bytes the memory has from " + hex(c.address));
        bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return bytes;
}

}  // namespace

const char* response_status_name(int status) {
    for (const StatusName& s : kStatusNames)
        if (s.status == status) return s.name;
    return "?";
}

TraceScript parse_trace(const std::string& path) {
    std::istringstream in(read_input_file(path, "trace script", 16u << 20));
    return parse_trace(in, path);
}

TraceScript parse_trace(std::istream& in, const std::string& path) {
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
        for (const std::string& o : options) {
            const std::string key = o.substr(0, o.find('=')), value = o.substr(o.find('=') + 1);
            if (key == "width") {
                const std::uint64_t width = p.number(value, "width");
                if (width == 0 || width > 8) p.fail("width: expected 1 to 8 bytes");
                c.width = static_cast<unsigned>(width);
            } else if (key == "expect") {
                bool known = false;
                for (const StatusName& s : kStatusNames)
                    if (value == s.name) c.expect_status = s.status, known = true;
                if (!known) p.fail("expect: unknown response status '" + value + "'");
            } else {
                p.fail("unknown option '" + key + "' (expected width= or expect=)");
            }
        }
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
            c.address = p.offset(words[1], c.width);
            c.value = p.value(words[2], "VALUE", c.width);
        } else if (verb == "read_reg") {
            need(3, "OFF MASK EXPECTED");
            c.kind = TraceCommand::Kind::ReadReg;
            c.address = p.offset(words[1], c.width);
            c.mask = p.value(words[2], "MASK", c.width);
            c.expected = p.value(words[3], "EXPECTED", c.width);
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
        script.commands.push_back(c);
    }
    return script;
}

void run_trace(CpuDriver& cpu, const TraceScript& script, std::uint64_t csr, std::uint64_t memory_bytes,
               TraceResult& result) {
    auto fail = [&](const TraceCommand& c, const std::string& what) {
        result.passed = false;
        result.failure = script.path + ":" + std::to_string(c.line) + ": " + what;
    };
    // What the memory holds from `addr` on (0 past its end).
    auto room = [memory_bytes](std::uint64_t addr) { return addr < memory_bytes ? memory_bytes - addr : 0; };
    // Simulated time is 64 bits of picoseconds: a script may not wait past 2^63 ps.
    auto time_left = [&](const TraceCommand& c, const std::string& where) {
        if (sc_core::sc_time_stamp().to_seconds() + c.seconds > 9.2e6)
            throw ConfigError(where + "waiting " + std::to_string(c.seconds) + " s more passes the end of simulated time");
    };
    for (const TraceCommand& c : script.commands) {
        ++result.commands_run;
        const std::string where = script.path + ":" + std::to_string(c.line) + ": ";
        switch (c.kind) {
            case TraceCommand::Kind::LoadMem: {
                const std::vector<unsigned char> bytes = file_bytes(c, where, room(c.address));
                if (cpu.debug_write(c.address, bytes.data(), bytes.size()) != bytes.size())
                    return fail(c, "load_mem: " + std::to_string(bytes.size()) + " bytes at " + hex(c.address) +
                                       " do not fit the memory");
                break;
            }
            case TraceCommand::Kind::WriteReg: {
                const int s = cpu.write(csr + c.address, c.value, c.width);
                if (s != c.expect_status)
                    return fail(c, "write_reg " + hex(c.address) + ": response " + response_status_name(s) +
                                       ", expected " + response_status_name(c.expect_status));
                break;
            }
            case TraceCommand::Kind::ReadReg: {
                std::uint64_t v = 0;
                const int s = cpu.read(csr + c.address, v, c.width);
                if (s != c.expect_status)
                    return fail(c, "read_reg " + hex(c.address) + ": response " + response_status_name(s) +
                                       ", expected " + response_status_name(c.expect_status));
                if (s == tlm::TLM_OK_RESPONSE && (v & c.mask) != c.expected)
                    return fail(c, "read_reg " + hex(c.address) + ": read " + hex(v) + ", (value & " + hex(c.mask) +
                                       ") = " + hex(v & c.mask) + ", expected " + hex(c.expected));
                break;
            }
            case TraceCommand::Kind::WaitIrq:
                time_left(c, where);
                if (!cpu.wait_irq(sc_core::sc_time(c.seconds, sc_core::SC_SEC)))
                    return fail(c, "wait_irq: no interrupt within " + sc_core::sc_time(c.seconds, sc_core::SC_SEC).to_string());
                break;
            case TraceCommand::Kind::DumpMem: {
                if (c.length > room(c.address))
                    return fail(c, "dump_mem: " + hex(c.address) + "+" + std::to_string(c.length) + " is outside memory");
                std::vector<unsigned char> bytes(c.length);
                if (cpu.debug_read(c.address, bytes.data(), c.length) != c.length)
                    return fail(c, "dump_mem: " + hex(c.address) + "+" + std::to_string(c.length) + " is outside memory");
                write_output_file(c.file, "dump_mem at " + where.substr(0, where.size() - 2),
                                  std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
                break;
            }
            case TraceCommand::Kind::CompareMem: {
                const Tensor4 want = read_npy(c.file, "compare_mem at " + where.substr(0, where.size() - 2));
                if (want.size() * 4 > room(c.address)) return fail(c, "compare_mem: region outside memory");
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
            case TraceCommand::Kind::Wait:
                time_left(c, where);
                cpu.wait_for(sc_core::sc_time(c.seconds, sc_core::SC_SEC));
                break;
        }
    }
}

}  // namespace fusemax
