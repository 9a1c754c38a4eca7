#include "io/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "config/config_error.h"

namespace fusemax {
namespace {

std::string shape_text(const std::array<std::uint64_t, 4>& s) {
    return "[" + std::to_string(s[0]) + "," + std::to_string(s[1]) + "," + std::to_string(s[2]) + "," +
           std::to_string(s[3]) + "]";
}

// Value of `key` in the header dict: a quoted string, a word, or a parenthesised tuple.
std::string header_field(const std::string& header, const std::string& key) {
    const auto at = header.find("'" + key + "':");
    if (at == std::string::npos) return {};
    std::size_t i = at + key.size() + 3;
    while (i < header.size() && header[i] == ' ') ++i;
    const std::size_t j = header[i] == '(' ? header.find(')', i) + 1 : header.find_first_of(",}", i);
    if (j == std::string::npos || j < i) return {};
    return header.substr(i, j - i);
}

}  // namespace

Tensor4 read_npy(const std::string& path, const std::string& what) {
    const std::string who = path + " (" + what + ")";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(who + ": cannot open file (expected a readable .npy file)");
    char magic[8];
    if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
        throw ConfigError(who + ": not a .npy file (bad magic)");
    std::uint32_t header_len = 0;
    if (magic[6] == 1) {
        unsigned char b[2];
        if (!in.read(reinterpret_cast<char*>(b), 2)) throw ConfigError(who + ": truncated .npy header");
        header_len = b[0] | (b[1] << 8);
    } else if (magic[6] == 2 || magic[6] == 3) {
        unsigned char b[4];
        if (!in.read(reinterpret_cast<char*>(b), 4)) throw ConfigError(who + ": truncated .npy header");
        header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
    } else {
        throw ConfigError(who + ": unsupported .npy version " + std::to_string(int(magic[6])));
    }
    if (header_len > (1u << 20)) throw ConfigError(who + ": .npy header too large");
    std::string header(header_len, '\0');
    if (!in.read(header.data(), header_len)) throw ConfigError(who + ": truncated .npy header");

    const std::string descr = header_field(header, "descr");
    const bool f32 = descr == "'<f4'" || descr == "'=f4'";
    const bool f16 = descr == "'<f2'" || descr == "'=f2'";
    if (!f32 && !f16) throw ConfigError(who + ": dtype " + descr + ": expected float32 ('<f4') or float16 ('<f2')");
    if (header_field(header, "fortran_order") != "False")
        throw ConfigError(who + ": Fortran-order array: expected C order");

    std::string shape = header_field(header, "shape");
    std::array<std::uint64_t, 4> dims{};
    std::size_t rank = 0;
    {
        for (char& c : shape)
            if (c == '(' || c == ')' || c == ',') c = ' ';
        std::istringstream ss(shape);
        std::string tok;
        while (ss >> tok) {
            if (rank == 4) { rank = 5; break; }
            char* end = nullptr;
            const unsigned long long v = std::strtoull(tok.c_str(), &end, 10);
            if (*end != '\0') throw ConfigError(who + ": malformed shape in .npy header");
            dims[rank++] = v;
        }
    }
    if (rank != 4) throw ConfigError(who + ": array of rank " + std::to_string(rank) + ": expected 4 dimensions");
    for (auto d : dims)
        if (d == 0) throw ConfigError(who + ": shape " + shape_text(dims) + " has a zero dimension");

    Tensor4 t(dims);
    if (f32) {
        if (!in.read(reinterpret_cast<char*>(t.data.data()), std::streamsize(t.size() * 4)))
            throw ConfigError(who + ": file is shorter than its shape " + shape_text(dims) + " needs");
    } else {
        std::vector<std::uint16_t> raw(t.size());
        if (!in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(raw.size() * 2)))
            throw ConfigError(who + ": file is shorter than its shape " + shape_text(dims) + " needs");
        for (std::size_t i = 0; i < raw.size(); ++i) t.data[i] = half_to_float(raw[i]);
    }
    return t;
}

Tensor4 read_npy(const std::string& path, const std::string& what, const std::array<std::uint64_t, 4>& expected) {
    Tensor4 t = read_npy(path, what);
    if (t.shape != expected)
        throw ConfigError(path + " (" + what + "): shape " + shape_text(t.shape) + ": expected " +
                          shape_text(expected) + " [B,H,rows,dim]");
    return t;
}

void write_npy(const std::string& path, const Tensor4& t) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(t.shape[0]) + ", " +
                         std::to_string(t.shape[1]) + ", " + std::to_string(t.shape[2]) + ", " +
                         std::to_string(t.shape[3]) + "), }";
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');
    std::ofstream out(path, std::ios::binary);
    if (!out) throw ConfigError(path + " (--out): cannot open for writing");
    const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xFF),
                                  static_cast<unsigned char>(header.size() >> 8)};
    out.write("\x93NUMPY\x01\x00", 8);
    out.write(reinterpret_cast<const char*>(len), 2);
    out.write(header.data(), std::streamsize(header.size()));
    out.write(reinterpret_cast<const char*>(t.data.data()), std::streamsize(t.size() * 4));
    if (!out) throw ConfigError(path + " (--out): write failed");
}

}  // namespace fusemax
