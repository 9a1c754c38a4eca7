#pragma once
#include <cctype>
#include <cstddef>
#include <string>

namespace fusemax {

// The reading position of the small hand-written parsers (cost expressions, .npy headers): what
// they share is skipping blanks and taking an expected character.
class TextCursor {
protected:
    explicit TextCursor(const std::string& text) : s_(text) {}

    const std::string& s_;
    std::size_t pos_ = 0;

    void skip_space() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    // Skips blanks, then takes `c` if it comes next.
    bool accept(char c) {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool at_end() {
        skip_space();
        return pos_ == s_.size();
    }
};

}  // namespace fusemax
