#pragma once
// FuseMax IP register map: the one place offsets and fields are defined. All registers are 32 bits
// wide and accessed 4 bytes at a time on 4-byte boundaries; 64-bit quantities are LO/HI pairs.
#include <cstdint>

#include "fusemax/protocol/job_error.h"

namespace fusemax::regs {

inline constexpr std::uint32_t kIdValue = 0x584D5546;  // "FUMX" little-endian
inline constexpr std::uint32_t kVersionValue = 0x00010000;  // 1.0.0: major << 16 | minor << 8 | patch

// Offsets.
inline constexpr std::uint32_t ID = 0x000;          // RO identification
inline constexpr std::uint32_t VERSION = 0x004;     // RO
inline constexpr std::uint32_t CONTROL = 0x008;     // WO bits (reads 0): START, SOFT_RESET
inline constexpr std::uint32_t STATUS = 0x00C;      // RO: BUSY, DONE, ERROR code
inline constexpr std::uint32_t IRQ_ENABLE = 0x010;  // RW: DONE, ERROR
inline constexpr std::uint32_t IRQ_STATUS = 0x014;  // RW1C: DONE, ERROR
inline constexpr std::uint32_t MODE = 0x018;        // RW: TIMING_ONLY
inline constexpr std::uint32_t ELEM_TYPE = 0x01C;   // RW: 0 fp32, 1 fp16
inline constexpr std::uint32_t BATCH = 0x020;       // RW job shape
inline constexpr std::uint32_t HEADS = 0x024;
inline constexpr std::uint32_t SEQ_Q = 0x028;
inline constexpr std::uint32_t SEQ_KV = 0x02C;
inline constexpr std::uint32_t HEAD_DIM = 0x030;
inline constexpr std::uint32_t V_DIM = 0x034;
inline constexpr std::uint32_t SCALE = 0x038;       // RW fp32 bit pattern (default 1.0)
// Tensor descriptors: Q, K, V, O, 0x20 bytes each from TENSOR_BASE; within one, 64-bit fields
// (LO at +0, HI at +4): base address, batch stride, head stride, row stride (bytes).
inline constexpr std::uint32_t TENSOR_BASE = 0x040;
inline constexpr std::uint32_t TENSOR_SIZE = 0x020;
inline constexpr std::uint32_t T_ADDR = 0x00, T_BATCH_STRIDE = 0x08, T_HEAD_STRIDE = 0x10, T_ROW_STRIDE = 0x18;
inline constexpr std::uint32_t tensor(std::uint32_t index, std::uint32_t field) {
    return TENSOR_BASE + index * TENSOR_SIZE + field;
}
inline constexpr std::uint32_t Q_ADDR_LO = 0x040, K_ADDR_LO = 0x060, V_ADDR_LO = 0x080, O_ADDR_LO = 0x0A0;
// Counters of the last job (RO, 64-bit).
inline constexpr std::uint32_t CYCLES_LO = 0x0C0, CYCLES_HI = 0x0C4;
inline constexpr std::uint32_t PE2D_BUSY_LO = 0x0C8, PE2D_BUSY_HI = 0x0CC;
inline constexpr std::uint32_t PE1D_BUSY_LO = 0x0D0, PE1D_BUSY_HI = 0x0D4;
inline constexpr std::uint32_t TILE_STEPS_LO = 0x0D8, TILE_STEPS_HI = 0x0DC;
// Generic jobs (NVDLA-style layer descriptors): a program, its parameters and a table of tensor
// descriptors. With PROGRAM = attention and TENSORS = 0 the job comes from the attention registers
// above (the shorthand); otherwise each tensor is described in the table.
inline constexpr std::uint32_t PROGRAM = 0x0E0;  // RW: PROGRAM_ATTENTION or PROGRAM_GEMM
inline constexpr std::uint32_t TENSORS = 0x0E4;  // RW: descriptors in use, 0 to DESC_COUNT
inline constexpr std::uint32_t PARAM0 = 0x0E8;   // RW: PARAM0 to PARAM5, the program's parameters
inline constexpr std::uint32_t PARAM_COUNT = 6;  //     gemm: M, K, N, M0 (bit 31: GEMM_W_TILES_OUTER), N0,
                                                 //     BLOCK_ROWS (0: default)
                                                 //     attention: CAUSAL (bit 0), WINDOW (keys, 0: none),
                                                 //     KV_HEADS (0: = HEADS)
// Descriptor i at DESC_BASE + i * DESC_SIZE: TENSOR (+0x00: which operand, the DMA's Tensor code:
// 0 Q, 1 K, 2 V, 3 O, 7 X (a GEMM's A), 8 W, 9 Z), DIM0 to DIM3 (+0x08 to +0x14: the shape
// [B, H, rows, cols]), ADDR (+0x18), BATCH_STRIDE (+0x20), HEAD_STRIDE (+0x28), ROW_STRIDE (+0x30), the
// last four 64-bit LO/HI pairs in bytes.
inline constexpr std::uint32_t DESC_BASE = 0x100, DESC_SIZE = 0x40, DESC_COUNT = 8;
inline constexpr std::uint32_t D_TENSOR = 0x00, D_DIM = 0x08, D_ADDR = 0x18, D_BATCH_STRIDE = 0x20,
                               D_HEAD_STRIDE = 0x28, D_ROW_STRIDE = 0x30;
inline constexpr std::uint32_t descriptor(std::uint32_t index, std::uint32_t field) {
    return DESC_BASE + index * DESC_SIZE + field;
}
inline constexpr std::uint32_t REG_END = DESC_BASE + DESC_COUNT * DESC_SIZE;

// Fields.
inline constexpr std::uint32_t CONTROL_START = 1u << 0;
inline constexpr std::uint32_t CONTROL_SOFT_RESET = 1u << 1;
// The job in the registers waits behind the running one and starts when that one has issued its
// last op (START if none runs). The registers may be rewritten for the next job once it is queued.
inline constexpr std::uint32_t CONTROL_ENQUEUE = 1u << 2;
inline constexpr std::uint32_t STATUS_BUSY = 1u << 0;
inline constexpr std::uint32_t STATUS_DONE = 1u << 1;    // the last job to end ended (another may run)
inline constexpr std::uint32_t STATUS_QUEUED = 1u << 2;  // a job waits behind the running one
inline constexpr std::uint32_t STATUS_ERROR_SHIFT = 8;
inline constexpr std::uint32_t STATUS_ERROR_MASK = 0xFFu << STATUS_ERROR_SHIFT;
inline constexpr std::uint32_t IRQ_DONE = 1u << 0;   // a job finished (with or without error)
inline constexpr std::uint32_t IRQ_ERROR = 1u << 1;  // a job failed or a start was refused
inline constexpr std::uint32_t MODE_TIMING_ONLY = 1u << 0;
inline constexpr std::uint32_t PROGRAM_ATTENTION = 0, PROGRAM_GEMM = 1;
// PARAM3 of a GEMM: its loop order when W does not fit the GLB (set: W's tiles outermost).
inline constexpr std::uint32_t GEMM_W_TILES_OUTER = 1u << 31;

// Register names, for trace scripts and debug output.
struct RegName {
    const char* name;
    std::uint32_t offset;
};
inline constexpr RegName kRegNames[] = {
    {"ID", ID},           {"VERSION", VERSION},       {"CONTROL", CONTROL},         {"STATUS", STATUS},
    {"IRQ_ENABLE", IRQ_ENABLE}, {"IRQ_STATUS", IRQ_STATUS}, {"MODE", MODE},       {"ELEM_TYPE", ELEM_TYPE},
    {"BATCH", BATCH},     {"HEADS", HEADS},           {"SEQ_Q", SEQ_Q},             {"SEQ_KV", SEQ_KV},
    {"HEAD_DIM", HEAD_DIM}, {"V_DIM", V_DIM},         {"SCALE", SCALE},
    {"Q_ADDR_LO", Q_ADDR_LO}, {"Q_ADDR_HI", Q_ADDR_LO + 0x04}, {"Q_BATCH_STRIDE_LO", Q_ADDR_LO + 0x08}, {"Q_BATCH_STRIDE_HI", Q_ADDR_LO + 0x0C},
    {"Q_HEAD_STRIDE_LO", Q_ADDR_LO + 0x10}, {"Q_HEAD_STRIDE_HI", Q_ADDR_LO + 0x14}, {"Q_ROW_STRIDE_LO", Q_ADDR_LO + 0x18}, {"Q_ROW_STRIDE_HI", Q_ADDR_LO + 0x1C},
    {"K_ADDR_LO", K_ADDR_LO}, {"K_ADDR_HI", K_ADDR_LO + 0x04}, {"K_BATCH_STRIDE_LO", K_ADDR_LO + 0x08}, {"K_BATCH_STRIDE_HI", K_ADDR_LO + 0x0C},
    {"K_HEAD_STRIDE_LO", K_ADDR_LO + 0x10}, {"K_HEAD_STRIDE_HI", K_ADDR_LO + 0x14}, {"K_ROW_STRIDE_LO", K_ADDR_LO + 0x18}, {"K_ROW_STRIDE_HI", K_ADDR_LO + 0x1C},
    {"V_ADDR_LO", V_ADDR_LO}, {"V_ADDR_HI", V_ADDR_LO + 0x04}, {"V_BATCH_STRIDE_LO", V_ADDR_LO + 0x08}, {"V_BATCH_STRIDE_HI", V_ADDR_LO + 0x0C},
    {"V_HEAD_STRIDE_LO", V_ADDR_LO + 0x10}, {"V_HEAD_STRIDE_HI", V_ADDR_LO + 0x14}, {"V_ROW_STRIDE_LO", V_ADDR_LO + 0x18}, {"V_ROW_STRIDE_HI", V_ADDR_LO + 0x1C},
    {"O_ADDR_LO", O_ADDR_LO}, {"O_ADDR_HI", O_ADDR_LO + 0x04}, {"O_BATCH_STRIDE_LO", O_ADDR_LO + 0x08}, {"O_BATCH_STRIDE_HI", O_ADDR_LO + 0x0C},
    {"O_HEAD_STRIDE_LO", O_ADDR_LO + 0x10}, {"O_HEAD_STRIDE_HI", O_ADDR_LO + 0x14}, {"O_ROW_STRIDE_LO", O_ADDR_LO + 0x18}, {"O_ROW_STRIDE_HI", O_ADDR_LO + 0x1C},
    {"CYCLES_LO", CYCLES_LO}, {"CYCLES_HI", CYCLES_HI}, {"PE2D_BUSY_LO", PE2D_BUSY_LO},
    {"PE2D_BUSY_HI", PE2D_BUSY_HI}, {"PE1D_BUSY_LO", PE1D_BUSY_LO}, {"PE1D_BUSY_HI", PE1D_BUSY_HI},
    {"TILE_STEPS_LO", TILE_STEPS_LO}, {"TILE_STEPS_HI", TILE_STEPS_HI}, {"PROGRAM", PROGRAM}, {"TENSORS", TENSORS},
    {"PARAM0", PARAM0}, {"PARAM1", PARAM0 + 4}, {"PARAM2", PARAM0 + 8}, {"PARAM3", PARAM0 + 12},
    {"PARAM4", PARAM0 + 16}, {"PARAM5", PARAM0 + 20},
};

// Descriptor fields by name, for "D<i>_<FIELD>" (e.g. D2_ADDR_LO, D0_DIM3).
inline constexpr RegName kDescriptorFields[] = {
    {"TENSOR", D_TENSOR},          {"DIM0", D_DIM},          {"DIM1", D_DIM + 4},     {"DIM2", D_DIM + 8},
    {"DIM3", D_DIM + 12},          {"ADDR_LO", D_ADDR},      {"ADDR_HI", D_ADDR + 4}, {"BATCH_STRIDE_LO", D_BATCH_STRIDE},
    {"BATCH_STRIDE_HI", D_BATCH_STRIDE + 4}, {"HEAD_STRIDE_LO", D_HEAD_STRIDE}, {"HEAD_STRIDE_HI", D_HEAD_STRIDE + 4},
    {"ROW_STRIDE_LO", D_ROW_STRIDE}, {"ROW_STRIDE_HI", D_ROW_STRIDE + 4},
};

// STATUS.ERROR codes: how the last job ended.
using Error = JobError;

}  // namespace fusemax::regs
