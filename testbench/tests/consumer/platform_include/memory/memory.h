#pragma once
// The platform's own memory/memory.h: the IP's headers live under fusemax/ and must never reach
// this one (were they included as "memory/memory.h", they would find it first and fail to build).
namespace platform {
struct Memory {
    static constexpr int kIsThePlatforms = 1;
};
}  // namespace platform
