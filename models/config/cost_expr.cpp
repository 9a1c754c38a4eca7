#include "fusemax/config/cost_expr.h"

#include "fusemax/util/text_cursor.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>

namespace fusemax {

class CostExprParser : TextCursor {
public:
    explicit CostExprParser(const std::string& text) : TextCursor(text) {}

    std::vector<CostExpr::Token> run() {
        if (s_.size() > kMaxText) fail("longer than " + std::to_string(kMaxText) + " characters");
        expr();
        if (!at_end()) fail("unexpected '" + std::string(1, s_[pos_]) + "'");
        // The evaluator's stack is fixed: measure what the postfix program needs.
        int depth = 0, most = 0;
        for (const CostExpr::Token& t : out_) {
            depth += t.kind <= Kind::VarLanes ? 1 : -1;
            most = std::max(most, depth);
        }
        if (most > CostExpr::kStack) fail("nests too deeply");
        return std::move(out_);
    }

private:
    using Kind = CostExpr::Kind;
    static constexpr std::size_t kMaxText = 1000;
    int nesting_ = 0;
    std::vector<CostExpr::Token> out_;

    [[noreturn]] void fail(const std::string& why) const { throw std::invalid_argument(why); }

    void expr() {
        term();
        for (;;) {
            if (accept('+')) { term(); out_.push_back({Kind::Add, 0}); }
            else if (accept('-')) { term(); out_.push_back({Kind::Sub, 0}); }
            else return;
        }
    }
    void term() {
        factor();
        for (;;) {
            if (accept('*')) { factor(); out_.push_back({Kind::Mul, 0}); }
            else if (accept('/')) { factor(); out_.push_back({Kind::Div, 0}); }
            else return;
        }
    }
    void factor() {
        skip_space();
        if (pos_ >= s_.size()) fail("expression ends early");
        if (accept('(')) {
            if (++nesting_ > CostExpr::kStack) fail("nests too deeply");
            expr();
            if (!accept(')')) fail("missing ')'");
            --nesting_;
            return;
        }
        const char c = s_[pos_];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            std::int64_t v = 0;
            while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
                v = v * 10 + (s_[pos_++] - '0');
                if (v > (std::int64_t{1} << 40)) fail("number too large");
            }
            out_.push_back({Kind::Number, v});
            return;
        }
        if (std::isalpha(static_cast<unsigned char>(c))) {
            std::size_t start = pos_;
            while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) ++pos_;
            const std::string name = s_.substr(start, pos_ - start);
            if (name == "E") out_.push_back({Kind::VarE, 0});
            else if (name == "F") out_.push_back({Kind::VarF, 0});
            else if (name == "ROWS") out_.push_back({Kind::VarRows, 0});
            else if (name == "COLS") out_.push_back({Kind::VarCols, 0});
            else if (name == "LANES") out_.push_back({Kind::VarLanes, 0});
            else fail("unknown name '" + name + "' (expected E, F, ROWS, COLS or LANES)");
            return;
        }
        fail("unexpected '" + std::string(1, c) + "'");
    }
};

CostExpr CostExpr::parse(const std::string& text) {
    CostExpr e;
    e.rpn_ = CostExprParser(text).run();
    e.text_ = text;
    return e;
}

CostExpr CostExpr::constant(std::int64_t value) {
    CostExpr e;
    e.rpn_.push_back({Kind::Number, value});
    e.text_ = std::to_string(value);
    return e;
}

std::int64_t CostExpr::eval(const CostVariables& v) const {
    std::int64_t stack[kStack];
    int top = 0;
    for (const Token& t : rpn_) {
        switch (t.kind) {
            case Kind::Number: stack[top++] = t.value; break;
            case Kind::VarE: stack[top++] = v.e; break;
            case Kind::VarF: stack[top++] = v.f; break;
            case Kind::VarRows: stack[top++] = v.rows; break;
            case Kind::VarCols: stack[top++] = v.cols; break;
            case Kind::VarLanes: stack[top++] = v.lanes; break;
            default: {
                const std::int64_t b = stack[--top];
                std::int64_t& a = stack[top - 1];
                bool overflow = false;
                if (t.kind == Kind::Add) overflow = __builtin_add_overflow(a, b, &a);
                else if (t.kind == Kind::Sub) overflow = __builtin_sub_overflow(a, b, &a);
                else if (t.kind == Kind::Mul) overflow = __builtin_mul_overflow(a, b, &a);
                else a = (b == 0 || (a == INT64_MIN && b == -1)) ? 0 : a / b;
                if (overflow) throw std::overflow_error("'" + text_ + "' overflows 64 bits");
            }
        }
    }
    return top == 1 ? stack[0] : 0;
}

}  // namespace fusemax
