#include "fusemax/io/npy.h"

#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>

#include "fusemax/config/config_error.h"
#include "fusemax/config/workload.h"
#include "fusemax/util/checked_math.h"
#include "fusemax/util/text_cursor.h"

namespace fusemax {
namespace {

constexpr std::uint64_t kMaxHeaderBytes = 1u << 16;

std::string shape_text(const std::vector<std::uint64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
}

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser : TextCursor {
public:
    HeaderParser(const std::string& text, const std::string& who) : TextCursor(text), who_(who) {}

    NpyHeader run() {
        NpyHeader h;
        bool descr = false, order = false, shape = false;
        expect('{');
        while (!accept('}')) {
            const std::string key = quoted();
            expect(':');
            if (key == "descr") {
                const std::string d = quoted();
                if (d == "<f4" || d == "=f4" || d == "|f4") h.f16 = false;
                else if (d == "<f2" || d == "=f2" || d == "|f2") h.f16 = true;
                else fail("dtype '" + d + "': expected float32 ('<f4') or float16 ('<f2')");
                descr = true;
            } else if (key == "fortran_order") {
                h.fortran_order = boolean();
                order = true;
            } else if (key == "shape") {
                h.shape = tuple();
                shape = true;
            } else {
                fail("unknown key '" + key + "' in the .npy header (expected descr, fortran_order, shape)");
            }
            if (!accept(',')) {
                expect('}');
                break;
            }
        }
        if (!at_end()) fail("malformed .npy header (text after the dictionary)");
        if (!descr || !order || !shape) fail("malformed .npy header (descr, fortran_order and shape are required)");
        return h;
    }

private:
    const std::string& who_;

    [[noreturn]] void fail(const std::string& what) const { throw ConfigError(who_ + ": " + what); }
    void expect(char c) {
        if (!accept(c)) fail(std::string("malformed .npy header (expected '") + c + "')");
    }
    std::string quoted() {
        skip_space();
        if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("malformed .npy header (expected a quoted key)");
        const char q = s_[pos_++];
        const std::size_t end = s_.find(q, pos_);
        if (end == std::string::npos) fail("malformed .npy header (unterminated string)");
        std::string out = s_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return out;
    }
    bool boolean() {
        skip_space();
        for (const auto& [word, value] : {std::pair<const char*, bool>{"True", true}, {"False", false}})
            if (s_.compare(pos_, std::strlen(word), word) == 0) {
                pos_ += std::strlen(word);
                return value;
            }
        fail("malformed .npy header (fortran_order: expected True or False)");
    }
    std::vector<std::uint64_t> tuple() {
        expect('(');
        std::vector<std::uint64_t> dims;
        while (!accept(')')) {
            skip_space();
            std::uint64_t v = 0;
            std::size_t digits = 0;
            while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
                const auto times_ten = checked_mul(v, 10);
                const auto next = times_ten ? checked_add(*times_ten, static_cast<std::uint64_t>(s_[pos_++] - '0'))
                                            : std::nullopt;
                if (!next) fail("shape: a dimension does not fit 64 bits");
                v = *next;
                ++digits;
            }
            if (digits == 0) fail("malformed .npy header (shape: expected a tuple of integers)");
            if (dims.size() == 32) fail("shape: more than 32 dimensions");
            dims.push_back(v);
            if (!accept(',')) {
                expect(')');
                break;
            }
        }
        return dims;
    }
};

}  // namespace

NpyHeader parse_npy_header(const std::string& prefix, const std::string& who) {
    if (prefix.size() < 10 || std::memcmp(prefix.data(), "\x93NUMPY", 6) != 0)
        throw ConfigError(who + ": not a .npy file (bad magic)");
    const auto byte = [&prefix](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(prefix[i])); };
    const int version = static_cast<int>(byte(6));
    std::uint64_t header_len = 0, start = 0;
    if (version == 1) {
        header_len = byte(8) | (byte(9) << 8);
        start = 10;
    } else if (version == 2 || version == 3) {
        if (prefix.size() < 12) throw ConfigError(who + ": truncated .npy header");
        header_len = byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24);
        start = 12;
    } else {
        throw ConfigError(who + ": unsupported .npy version " + std::to_string(version));
    }
    if (header_len > kMaxHeaderBytes) throw ConfigError(who + ": .npy header of " + std::to_string(header_len) + " bytes: too large");
    if (prefix.size() < start + header_len) throw ConfigError(who + ": truncated .npy header");
    NpyHeader h = HeaderParser(prefix.substr(start, header_len), who).run();
    h.data_offset = start + header_len;
    return h;
}

Tensor4 read_npy(std::istream& in, std::uint64_t size, const std::string& who, std::size_t rank) {
    std::string prefix(std::min<std::uint64_t>(size, kMaxHeaderBytes + 12), '\0');
    in.read(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    if (static_cast<std::uint64_t>(in.gcount()) != prefix.size()) throw ConfigError(who + ": read failed");
    const NpyHeader h = parse_npy_header(prefix, who);
    if (h.fortran_order) throw ConfigError(who + ": Fortran-order array: expected C order");
    if (h.shape.size() != rank)
        throw ConfigError(who + ": array of rank " + std::to_string(h.shape.size()) + ": expected " +
                          std::to_string(rank) + " dimensions");
    for (auto d : h.shape)
        if (d == 0) throw ConfigError(who + ": shape " + shape_text(h.shape) + " has a zero dimension");
    // Sizes come from the file: check them against the file before allocating anything.
    const std::uint64_t eb = h.f16 ? 2 : 4;
    // A matrix is matrix (0, 0) of a [1, 1, rows, cols] tensor.
    std::array<std::uint64_t, 4> shape{1, 1, 1, 1};
    std::copy(h.shape.begin(), h.shape.end(), shape.end() - static_cast<std::ptrdiff_t>(rank));
    const auto elements = checked_product({shape[0], shape[1], shape[2], shape[3]});
    if (!elements || *elements > kMaxTensorElements)
        throw ConfigError(who + ": shape " + shape_text(h.shape) + " has more than 2^56 elements");
    const std::uint64_t data = *elements * eb, available = size - std::min(size, h.data_offset);
    if (available < data)
        throw ConfigError(who + ": file is shorter than its shape " + shape_text(h.shape) + " needs (" +
                          std::to_string(available) + " bytes of data, expected " + std::to_string(data) + ")");
    if (available > data)
        throw ConfigError(who + ": " + std::to_string(available - data) + " bytes after the data its shape " +
                          shape_text(h.shape) + " needs");
    Tensor4 t(shape);
    // What was read with the header is the start of the data; the rest comes from the stream.
    const std::uint64_t have = std::min<std::uint64_t>(prefix.size() - h.data_offset, data);
    std::vector<unsigned char> raw(h.f16 ? data : 0);
    unsigned char* dst = h.f16 ? raw.data() : reinterpret_cast<unsigned char*>(t.data.data());
    std::memcpy(dst, prefix.data() + h.data_offset, have);
    in.read(reinterpret_cast<char*>(dst + have), static_cast<std::streamsize>(data - have));
    if (static_cast<std::uint64_t>(in.gcount()) != data - have) throw ConfigError(who + ": read failed");
    if (h.f16)
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::uint16_t v;
            std::memcpy(&v, raw.data() + 2 * i, 2);
            t.data[i] = half_to_float(v);
        }
    return t;
}

Tensor4 read_npy(const std::string& path, const std::string& what, std::size_t rank) {
    const std::uint64_t size = check_input_file(path, what);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + " (" + what + "): cannot open");
    return read_npy(in, size, path + " (" + what + ")", rank);
}

Tensor4 read_npy(const std::string& path, const std::string& what, const std::array<std::uint64_t, 4>& expected,
                 std::size_t rank) {
    Tensor4 t = read_npy(path, what, rank);
    if (t.shape != expected) {
        const auto from = static_cast<std::ptrdiff_t>(4 - rank);
        throw ConfigError(path + " (" + what + "): shape " + shape_text({t.shape.begin() + from, t.shape.end()}) +
                          ": expected " + shape_text({expected.begin() + from, expected.end()}) +
                          (rank == 4 ? " [B,H,rows,dim]" : " [rows,cols]"));
    }
    return t;
}

std::optional<std::array<std::uint64_t, 4>> first_non_finite(const Tensor4& t) {
    for (std::size_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(t.data[i])) {
            const auto& s = t.shape;
            return std::array<std::uint64_t, 4>{i / (s[1] * s[2] * s[3]), i / (s[2] * s[3]) % s[1], i / s[3] % s[2],
                                                i % s[3]};
        }
    return std::nullopt;
}

void write_npy(OutputFile& out, const Tensor4& t, std::size_t rank) {
    std::string dims;
    for (std::size_t i = 4 - rank; i < 4; ++i) dims += std::to_string(t.shape[i]) + ", ";
    if (rank > 1) dims.resize(dims.size() - 1);  // "(3,)" for one dimension, "(2, 3)" for more
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');
    const char len[2] = {static_cast<char>(header.size() & 0xFF), static_cast<char>(header.size() >> 8)};
    out.write("\x93NUMPY\x01\x00", 8);
    out.write(len, 2);
    out.write(header);
    out.write(t.data.data(), t.size() * 4);
    out.close();
}

void write_npy(const std::string& path, const Tensor4& t, const std::string& what, std::size_t rank) {
    OutputFile out(path, what);
    write_npy(out, t, rank);
}

}  // namespace fusemax
