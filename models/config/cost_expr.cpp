#include "config/cost_expr.h"

#include <cctype>
#include <stdexcept>

namespace fusemax {

class CostExprParser {
public:
    explicit CostExprParser(const std::string& text) : s_(text) {}

    std::vector<CostExpr::Token> run() {
        expr();
        skip_space();
        if (pos_ != s_.size()) fail("unexpected '" + std::string(1, s_[pos_]) + "'");
        return std::move(out_);
    }

private:
    using Kind = CostExpr::Kind;
    const std::string& s_;
    std::size_t pos_ = 0;
    std::vector<CostExpr::Token> out_;

    [[noreturn]] void fail(const std::string& why) const { throw std::invalid_argument(why); }

    void skip_space() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    bool accept(char c) {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
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
            expr();
            if (!accept(')')) fail("missing ')'");
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
    std::int64_t stack[32];
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
                if (t.kind == Kind::Add) a += b;
                else if (t.kind == Kind::Sub) a -= b;
                else if (t.kind == Kind::Mul) a *= b;
                else a = b == 0 ? 0 : a / b;
            }
        }
        if (top >= 32) throw std::invalid_argument("expression nests too deeply");
    }
    return top == 1 ? stack[0] : 0;
}

}  // namespace fusemax
