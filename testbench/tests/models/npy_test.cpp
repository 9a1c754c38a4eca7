#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "fusemax/config/config_error.h"
#include "fusemax/io/npy.h"
#include "test_files.h"

namespace fusemax {
namespace {

std::string npy_bytes(const std::string& descr, const std::string& shape, const std::string& order,
                      const std::string& payload) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header.push_back('\n');
    std::string out("\x93NUMPY\x01\x00", 8);
    out.push_back(static_cast<char>(header.size() & 0xFF));
    out.push_back(static_cast<char>(header.size() >> 8));
    return out + header + payload;
}

std::string error_of(const std::string& bytes, std::array<std::uint64_t, 4> expected = {1, 1, 2, 2}) {
    test::TempFile f("x.npy", bytes);
    try {
        read_npy(f.path(), "--q", expected);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return {};
}

TEST(Npy, RoundTripFloat32) {
    Tensor4 t({2, 3, 4, 5});
    for (std::size_t i = 0; i < t.size(); ++i) t.data[i] = float(i) * 0.5f - 3.0f;
    test::TempFile f("t.npy", "");
    write_npy(f.path(), t);
    const Tensor4 r = read_npy(f.path(), "test", {2, 3, 4, 5});
    EXPECT_EQ(r.shape, t.shape);
    EXPECT_EQ(r.data, t.data);
}

TEST(Npy, ReadsFloat16) {
    const std::uint16_t h[4] = {0x3C00, 0xC000, 0x3800, 0x0001};  // 1, -2, 0.5, 2^-24
    const Tensor4 t = [&] {
        test::TempFile f("h.npy", npy_bytes("<f2", "(1, 1, 2, 2)", "False", std::string(reinterpret_cast<const char*>(h), 8)));
        return read_npy(f.path(), "--k", {1, 1, 2, 2});
    }();
    EXPECT_EQ(t.data[0], 1.0f);
    EXPECT_EQ(t.data[1], -2.0f);
    EXPECT_EQ(t.data[2], 0.5f);
    EXPECT_EQ(t.data[3], std::ldexp(1.0f, -24));
}

TEST(Npy, WrongDtype) {
    const std::string m = error_of(npy_bytes("<f8", "(1, 1, 2, 2)", "False", std::string(32, '\0')));
    EXPECT_NE(m.find("(--q): dtype '<f8': expected float32"), std::string::npos) << m;
}

TEST(Npy, WrongShape) {
    const std::string m = error_of(npy_bytes("<f4", "(1, 1, 2, 3)", "False", std::string(24, '\0')));
    EXPECT_NE(m.find("shape [1,1,2,3]: expected [1,1,2,2]"), std::string::npos) << m;
}

TEST(Npy, WrongRank) {
    const std::string m = error_of(npy_bytes("<f4", "(2, 2)", "False", std::string(16, '\0')));
    EXPECT_NE(m.find("rank 2: expected 4 dimensions"), std::string::npos) << m;
}

TEST(Npy, FortranOrder) {
    const std::string m = error_of(npy_bytes("<f4", "(1, 1, 2, 2)", "True", std::string(16, '\0')));
    EXPECT_NE(m.find("expected C order"), std::string::npos) << m;
}

TEST(Npy, Truncated) {
    const std::string m = error_of(npy_bytes("<f4", "(1, 1, 2, 2)", "False", std::string(8, '\0')));
    EXPECT_NE(m.find("shorter than its shape"), std::string::npos) << m;
}

// Sizes come from the header: a huge shape, or one larger than the file, is refused before anything
// is allocated (it used to zero-fill gigabytes first); so are element counts that overflow.
TEST(Npy, ShapeLargerThanTheFile) {
    std::string m = error_of(npy_bytes("<f4", "(1000000, 1000000, 1000, 1000)", "False", std::string(16, '\0')));
    EXPECT_NE(m.find("has more than 2^56 elements"), std::string::npos) << m;
    m = error_of(npy_bytes("<f4", "(1, 64, 65536, 4096)", "False", std::string(16, '\0')));
    EXPECT_NE(m.find("file is shorter than its shape [1,64,65536,4096] needs (16 bytes of data, expected 68719476736)"),
              std::string::npos) << m;
    m = error_of(npy_bytes("<f4", "(4294967296, 4294967296, 4294967296, 4294967296)", "False", ""));
    EXPECT_NE(m.find("has more than 2^56 elements"), std::string::npos) << m;
    m = error_of(npy_bytes("<f4", "(99999999999999999999999, 1, 1, 1)", "False", ""));
    EXPECT_NE(m.find("a dimension does not fit 64 bits"), std::string::npos) << m;
    m = error_of(npy_bytes("<f4", "(1, 1, 2, 2)", "False", std::string(20, '\0')));
    EXPECT_NE(m.find("4 bytes after the data its shape [1,1,2,2] needs"), std::string::npos) << m;
}

TEST(Npy, MalformedHeaders) {
    for (const char* header : {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2)",
                               "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1, 1, 2, 2), }",
                               "{'descr': '<f4', 'shape': (1, 1, 2, 2), }", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, x), }",
                               "{'descr: '<f4'", "", "{", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2), 'extra': 1}"}) {
        std::string h = header;
        std::string bytes("\x93NUMPY\x01\x00", 8);
        bytes.push_back(static_cast<char>(h.size()));
        bytes.push_back(0);
        const std::string m = error_of(bytes + h + std::string(16, '\0'));
        EXPECT_NE(m.find("(--q): "), std::string::npos) << header << ": " << m;
    }
    // A header length pointing past the end of the file.
    std::string bytes("\x93NUMPY\x01\x00\xff\xff", 10);
    EXPECT_NE(error_of(bytes + "{}").find("truncated .npy header"), std::string::npos);
    // Version 2 headers, 4-byte length.
    const std::string v2 = npy_bytes("<f4", "(1, 1, 2, 2)", "False", std::string(16, '\0'));
    std::string b2 = std::string("\x93NUMPY\x02\x00", 8) + v2.substr(8, 2) + std::string(2, '\0') + v2.substr(10);
    EXPECT_EQ(error_of(b2), "");
}

TEST(Npy, FindsNonFiniteValues) {
    Tensor4 t({2, 3, 4, 5});
    EXPECT_FALSE(first_non_finite(t));
    t.data[1 * 60 + 2 * 20 + 3 * 5 + 4] = std::nanf("");
    const auto at = first_non_finite(t);
    ASSERT_TRUE(at);
    EXPECT_EQ(*at, (std::array<std::uint64_t, 4>{1, 2, 3, 4}));
}

TEST(Npy, UnwritableOutput) {
    Tensor4 t({1, 1, 2, 2});
    try {
        write_npy("/dev/full", t);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/dev/full (--out): cannot write: No space left on device"),
                  std::string::npos) << e.what();
    }
}

TEST(Npy, NotNpy) {
    EXPECT_NE(error_of("hello world, not an array").find("not a .npy file"), std::string::npos);
}

TEST(Npy, DirectoryInsteadOfFile) {
    try {
        read_npy("/tmp", "--q");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/tmp (--q): is a directory"), std::string::npos) << e.what();
    }
}

TEST(Npy, Unreadable) {
    try {
        read_npy("/nonexistent/q.npy", "--q");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/q.npy (--q): cannot open"), std::string::npos);
    }
}

}  // namespace
}  // namespace fusemax
