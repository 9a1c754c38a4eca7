#pragma once
// What the tests that run fusemax's tools as separate processes share: a temporary folder of the
// test's own, removed afterwards, files written into it, and a tool run with its exit code and
// output captured there.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fusemax::test {

struct ToolRun {
    int code = -1;
    std::string out, err;
};

class ScratchDir : public testing::Test {
protected:
    std::filesystem::path dir;

    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "fusemax-test-XXXXXX").string();
        dir = mkdtemp(tmpl.data());
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::string file(const std::string& name, const std::string& content) const {
        const std::filesystem::path p = dir / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }

    static std::string slurp(const std::filesystem::path& p) {
        std::ifstream in(p);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    // `tool args` through the shell, its standard output and error kept apart.
    ToolRun run_tool(const std::string& tool, const std::string& args) const {
        const std::string cmd = tool + " " + args + " >" + (dir / "stdout").string() + " 2>" + (dir / "stderr").string();
        const int status = std::system(cmd.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "stdout"), slurp(dir / "stderr")};
    }
};

}  // namespace fusemax::test
