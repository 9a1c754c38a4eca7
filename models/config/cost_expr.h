#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace fusemax {

// Values an op's cycle cost may depend on: head dims and the array geometry.
struct CostVariables {
    std::int64_t e = 0;      // E, query/key head dim
    std::int64_t f = 0;      // F, value head dim
    std::int64_t rows = 0;   // ROWS, 2D array rows (keys per tile, M0)
    std::int64_t cols = 0;   // COLS, 2D array columns (queries per tile, P0)
    std::int64_t lanes = 0;  // LANES, 1D array lanes
};

// An integer expression over E, F, ROWS, COLS and LANES with + - * / and parentheses, e.g.
// "E + F + 9" or "2 * ROWS". Configurations state per-op cycle costs this way so that one
// architecture file serves every head dimension.
class CostExpr {
public:
    CostExpr() = default;
    // Throws std::invalid_argument with a short reason when the text does not parse.
    static CostExpr parse(const std::string& text);
    static CostExpr constant(std::int64_t value);

    // Throws std::overflow_error when an intermediate result does not fit 64 bits.
    std::int64_t eval(const CostVariables& v) const;
    static constexpr int kStack = 32;  // the deepest expression parse() accepts
    const std::string& text() const { return text_; }

private:
    enum class Kind : std::uint8_t { Number, VarE, VarF, VarRows, VarCols, VarLanes, Add, Sub, Mul, Div };
    struct Token {
        Kind kind;
        std::int64_t value;
    };
    std::vector<Token> rpn_;  // postfix program
    std::string text_;

    friend class CostExprParser;
};

}  // namespace fusemax
