// The committed trace scripts (testbench/traces), played against the IP in the example platform.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fusemax/config/config_error.h"
#include "fusemax/io/npy.h"
#include "fusemax/numerics/attention.h"
#include "platform/job_platform.h"
#include "platform/example_platform.h"
#include "sim_helpers.h"
#include "fusemax/numerics/gemm.h"
#include "trace/trace_player.h"

namespace fusemax {
namespace {

namespace fs = std::filesystem;
const fs::path kTraces = fs::path(FUSEMAX_CONFIG_DIR).parent_path() / "testbench" / "traces";

// A temporary directory holding a copy of `script` and the inputs it loads.
class TraceDir {
public:
    explicit TraceDir(const std::string& script) {
        char tmpl[] = "/tmp/fusemax-trace-XXXXXX";
        dir_ = mkdtemp(tmpl);
        fs::copy_file(kTraces / script, dir_ / script);
        const Workload w = test::shape(1, 1, 256, 256, 64, 64);
        const AttentionInputs in = random_inputs(w, 21);
        write_npy((dir_ / "q.npy").string(), in.q);
        write_npy((dir_ / "k.npy").string(), in.k);
        write_npy((dir_ / "v.npy").string(), in.v);
        const Tensor4D ref = attention_reference_fp64(in.q, in.k, in.v, 1.0);
        Tensor4 o(ref.shape);
        for (std::size_t i = 0; i < o.size(); ++i) o.data[i] = static_cast<float>(ref.data[i]);
        write_npy((dir_ / "o_ref.npy").string(), o);
        // The GEMMs of gemm_queue.trace: Z1 = A W1, Z2 = Z1 W2.
        auto matrix = [](std::uint64_t rows, std::uint64_t cols, std::uint64_t seed) {
            Tensor4 t({1, 1, rows, cols});
            fill_uniform(t, seed, -1, 1);
            return t;
        };
        auto single = [](const Tensor4D& d) {
            Tensor4 t(d.shape);
            for (std::size_t i = 0; i < t.size(); ++i) t.data[i] = static_cast<float>(d.data[i]);
            return t;
        };
        const Tensor4 a = matrix(300, 200, 31), w1 = matrix(200, 100, 32), w2 = matrix(100, 50, 33);
        const Tensor4 z1 = single(gemm_reference_fp64(a, w1));
        for (const auto& [name, t] : {std::pair<const char*, const Tensor4*>{"a", &a}, {"w1", &w1}, {"w2", &w2}, {"z1_ref", &z1}})
            write_npy((dir_ / (std::string(name) + ".npy")).string(), *t);
        write_npy((dir_ / "z2_ref.npy").string(), single(gemm_reference_fp64(z1, w2)));
        path_ = (dir_ / script).string();
    }
    ~TraceDir() { fs::remove_all(dir_); }
    const std::string& script() const { return path_; }
    fs::path dir() const { return dir_; }

private:
    fs::path dir_;
    std::string path_;
};

TraceResult play(const std::string& script_path) {
    const TraceScript script = parse_trace(script_path);
    TraceResult result;
    ExamplePlatform platform(test::fusemax_arch(), 64ull << 20,
                             [&](CpuDriver& cpu) { run_trace(cpu, script, ExamplePlatform::kCsrBase, 64ull << 20, result); });
    sc_core::sc_start();
    return result;
}

TEST(Trace, AttentionJobThroughRegisters) {
    TraceDir d("attention.trace");
    const TraceResult r = play(d.script());
    EXPECT_TRUE(r.passed) << r.failure;
    EXPECT_EQ(r.commands_run, 43);
    EXPECT_EQ(fs::file_size(d.dir() / "o.bin"), 65536u);  // dump_mem
}

TEST(Trace, TwoGemmsThroughDescriptorsAndTheQueue) {
    TraceDir d("gemm_queue.trace");
    const TraceResult r = play(d.script());
    EXPECT_TRUE(r.passed) << r.failure;
    EXPECT_EQ(r.commands_run, 59);
}

TEST(Trace, ErrorPaths) {
    TraceDir d("errors.trace");
    const TraceResult r = play(d.script());
    EXPECT_TRUE(r.passed) << r.failure;
}

TEST(Trace, SoftResetAbortsTheJob) {
    TraceDir d("soft_reset.trace");
    const TraceResult r = play(d.script());
    EXPECT_TRUE(r.passed) << r.failure;
}

TEST(Trace, AddressesThatWrapOrMissTheMemory) {
    TraceDir d("addresses.trace");
    const TraceResult r = play(d.script());
    EXPECT_TRUE(r.passed) << r.failure;
    EXPECT_EQ(r.commands_run, 50);
}

TEST(Trace, AFailingCheckNamesItsLine) {
    TraceDir d("attention.trace");
    std::ifstream in(d.script());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("read_reg CYCLES_LO 0xffffffff 683"), 33, "read_reg CYCLES_LO 0xffffffff 684");
    std::ofstream(d.script()) << text;
    const TraceResult r = play(d.script());
    EXPECT_FALSE(r.passed);
    EXPECT_NE(r.failure.find("attention.trace:46: read_reg 0xc0: read 0x2ab"), std::string::npos) << r.failure;
}

TEST(Trace, MalformedScriptIsAConfigError) {
    char tmpl[] = "/tmp/fusemax-trace-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    std::ofstream(dir / "bad.trace") << "# comment\nwrite_reg STATUS\n";
    try {
        parse_trace((dir / "bad.trace").string());
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.trace:2: write_reg: expected OFF VALUE"), std::string::npos) << e.what();
    }
    std::ofstream(dir / "bad.trace") << "poke 1 2\n";
    EXPECT_THROW(parse_trace((dir / "bad.trace").string()), ConfigError);
    std::ofstream(dir / "bad.trace") << "read_reg STATUS 1 1 expect=MAYBE\n";
    EXPECT_THROW(parse_trace((dir / "bad.trace").string()), ConfigError);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace fusemax
