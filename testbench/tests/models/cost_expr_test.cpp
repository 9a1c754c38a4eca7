#include <gtest/gtest.h>

#include <stdexcept>

#include "fusemax/config/cost_expr.h"

namespace fusemax {
namespace {

const CostVariables kVars{64, 128, 256, 256, 256};

TEST(CostExpr, Evaluates) {
    EXPECT_EQ(CostExpr::parse("E").eval(kVars), 64);
    EXPECT_EQ(CostExpr::parse("E + F + 9").eval(kVars), 201);
    EXPECT_EQ(CostExpr::parse("2 * ROWS").eval(kVars), 512);
    EXPECT_EQ(CostExpr::parse("(E + F) * 2 - LANES / 4").eval(kVars), 320);
    EXPECT_EQ(CostExpr::parse(" COLS-1 ").eval(kVars), 255);
    EXPECT_EQ(CostExpr::constant(7).eval(kVars), 7);
}

TEST(CostExpr, Rejects) {
    EXPECT_THROW(CostExpr::parse("E +"), std::invalid_argument);
    EXPECT_THROW(CostExpr::parse("G"), std::invalid_argument);
    EXPECT_THROW(CostExpr::parse("(E"), std::invalid_argument);
    EXPECT_THROW(CostExpr::parse("E F"), std::invalid_argument);
    EXPECT_THROW(CostExpr::parse(""), std::invalid_argument);
}

}  // namespace
}  // namespace fusemax
