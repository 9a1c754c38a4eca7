#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace fusemax {

// Reads a whole input file. `what` says what it is for (e.g. "--arch", "energy_table of a.yaml").
// A missing or unreadable file, a directory, a file that is not a regular file, or one larger than
// `max_bytes` is a ConfigError: "PATH (what): cannot open: No such file or directory".
std::string read_input_file(const std::string& path, const std::string& what, std::uint64_t max_bytes);

// Checks that `path` names a readable regular file; returns its size. Errors as read_input_file.
std::uint64_t check_input_file(const std::string& path, const std::string& what);

// An output file whose every failure is reported: opening (missing folder, permissions), writing
// and closing (a full disk, /dev/full) throw ConfigError "PATH (what): cannot write: ...". Nothing
// is silently lost, and the message names the flag that asked for the file.
class OutputFile {
public:
    OutputFile(std::string path, std::string what);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(const void* data, std::size_t bytes);
    void write(std::string_view text) { write(text.data(), text.size()); }
    // Flushes and closes; throws if any write failed. The destructor closes without checking.
    void close();
    const std::string& path() const { return path_; }

private:
    std::string path_, what_;
    std::FILE* file_ = nullptr;

    [[noreturn]] void fail(const std::string& action, int error) const;
};

// Writes `text` to `path` through an OutputFile.
void write_output_file(const std::string& path, const std::string& what, std::string_view text);

}  // namespace fusemax
