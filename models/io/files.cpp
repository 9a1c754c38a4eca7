#include "fusemax/io/files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fusemax/config/config_error.h"

namespace fusemax {
namespace {

std::string who(const std::string& path, const std::string& what) {
    return what.empty() ? path : path + " (" + what + ")";
}

}  // namespace

std::uint64_t check_input_file(const std::string& path, const std::string& what) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        throw ConfigError(who(path, what) + ": cannot open: " + (ec ? ec.message() : "No such file or directory"));
    if (fs::is_directory(st)) throw ConfigError(who(path, what) + ": is a directory, expected a file");
    if (!fs::is_regular_file(st)) throw ConfigError(who(path, what) + ": not a regular file");
    const std::uint64_t size = fs::file_size(path, ec);
    if (ec) throw ConfigError(who(path, what) + ": cannot read: " + ec.message());
    return size;
}

std::string read_input_file(const std::string& path, const std::string& what, std::uint64_t max_bytes) {
    const std::uint64_t size = check_input_file(path, what);
    if (size > max_bytes)
        throw ConfigError(who(path, what) + ": " + std::to_string(size) + " bytes, more than the " +
                          std::to_string(max_bytes) + " such a file may have");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(who(path, what) + ": cannot open: " + std::strerror(errno));
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uint64_t>(in.gcount()) != size) throw ConfigError(who(path, what) + ": read failed");
    return text;
}

OutputFile::OutputFile(std::string path, std::string what) : path_(std::move(path)), what_(std::move(what)) {
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec)) throw ConfigError(who(path_, what_) + ": is a directory, expected a file name");
    file_ = std::fopen(path_.c_str(), "wb");
    if (!file_) fail("cannot open for writing", errno);
}

OutputFile::~OutputFile() {
    if (file_) std::fclose(file_);
}

void OutputFile::fail(const std::string& action, int error) const {
    throw ConfigError(who(path_, what_) + ": " + action + ": " + std::strerror(error));
}

void OutputFile::write(const void* data, std::size_t bytes) {
    if (!file_) throw ConfigError(who(path_, what_) + ": write after close");
    if (bytes && std::fwrite(data, 1, bytes, file_) != bytes) fail("cannot write", errno);
}

void OutputFile::close() {
    if (!file_) return;
    std::FILE* f = file_;
    file_ = nullptr;
    const bool flushed = std::fflush(f) == 0 && !std::ferror(f);
    const int flush_error = errno;
    const bool closed = std::fclose(f) == 0;
    if (!flushed) fail("cannot write", flush_error);
    if (!closed) fail("cannot write", errno);
}

void write_output_file(const std::string& path, const std::string& what, std::string_view text) {
    OutputFile out(path, what);
    out.write(text);
    out.close();
}

}  // namespace fusemax
