#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "config/config_error.h"
#include "io/npy.h"
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

TEST(Npy, NotNpy) {
    EXPECT_NE(error_of("hello world, not an array").find("not a .npy file"), std::string::npos);
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
