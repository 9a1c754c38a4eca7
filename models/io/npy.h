#pragma once
#include <array>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "fusemax/io/files.h"
#include "fusemax/numerics/tensor.h"

namespace fusemax {

// What a .npy header says: element type, order and shape, and where the data starts.
struct NpyHeader {
    bool f16 = false;  // float16 ('<f2'), else float32 ('<f4')
    bool fortran_order = false;
    std::vector<std::uint64_t> shape;
    std::uint64_t data_offset = 0;  // bytes before the array data
};

// Parses the header of a .npy whose first bytes are `prefix` (at least the whole header). `who`
// names the file in messages. Throws ConfigError for anything that is not a well-formed version
// 1-3 header of a float32 or float16 array.
NpyHeader parse_npy_header(const std::string& prefix, const std::string& who);

// Reads a C-order float32 or float16 .npy holding an array of `rank` dimensions (4: [B,H,rows,
// cols]; 2: a matrix, read as [1,1,rows,cols]) into fp32. The file must hold exactly the bytes its
// shape needs, which is checked before anything is allocated. Errors are ConfigError naming the
// file (and `what`, e.g. "--q") and what was expected: dtype, order, rank, shape, size.
Tensor4 read_npy(const std::string& path, const std::string& what, std::size_t rank = 4);
// The same from a stream of `size` bytes (tests and fuzzing feed bytes this way).
Tensor4 read_npy(std::istream& in, std::uint64_t size, const std::string& who, std::size_t rank = 4);

// Reads and checks the shape against `expected` ([B,H,rows,cols]; a matrix's [1,1,rows,cols]).
Tensor4 read_npy(const std::string& path, const std::string& what, const std::array<std::uint64_t, 4>& expected,
                 std::size_t rank = 4);

// The first element of `t` that is NaN or infinite, as its [b, h, row, col] index.
std::optional<std::array<std::uint64_t, 4>> first_non_finite(const Tensor4& t);

// Writes a C-order float32 .npy of `t`'s last `rank` dimensions (2: matrix (0, 0) as [rows, cols]);
// every failure is a ConfigError naming the file and `what`.
void write_npy(OutputFile& out, const Tensor4& t, std::size_t rank = 4);
void write_npy(const std::string& path, const Tensor4& t, const std::string& what = "--out", std::size_t rank = 4);

}  // namespace fusemax
