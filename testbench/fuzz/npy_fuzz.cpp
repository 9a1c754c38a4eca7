// Fuzzes the .npy reader: any bytes must give a tensor whose size matches its shape, or a
// ConfigError; never a crash, an overflow, or an allocation the file cannot back.
#include <cstdint>
#include <sstream>
#include <string>

#include "fusemax/config/config_error.h"
#include "fusemax/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        const fusemax::Tensor4 t = fusemax::read_npy(in, size, "fuzz.npy");
        const std::uint64_t elements = t.shape[0] * t.shape[1] * t.shape[2] * t.shape[3];
        // Data is only ever what the file held: 2 or 4 bytes per element.
        if (t.size() != elements || elements * 2 > size) __builtin_trap();
        fusemax::first_non_finite(t);
    } catch (const fusemax::ConfigError&) {
    }
    return 0;
}
