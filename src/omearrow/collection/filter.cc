#include "omearrow/collection/filter.h"

#include <cctype>
#include <cstdlib>
#include <vector>

#include <arrow/compute/api_scalar.h>
#include <arrow/scalar.h>
#include <arrow/status.h>

namespace omearrow {

using arrow::Status;
namespace cp = arrow::compute;

namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  arrow::Result<cp::Expression> Parse() {
    ARROW_ASSIGN_OR_RAISE(auto expr, Or());
    Skip();
    if (pos_ != text_.size()) return Error("unexpected text");
    return expr;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::Invalid("filter '", text_, "': ", what, " at position ", pos_);
  }
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Word(const char* word) {
    Skip();
    const size_t n = std::char_traits<char>::length(word);
    if (text_.compare(pos_, n, word) != 0) return false;
    const size_t end = pos_ + n;
    if (end < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }
  bool Symbol(const char* symbol) {
    Skip();
    const size_t n = std::char_traits<char>::length(symbol);
    if (text_.compare(pos_, n, symbol) != 0) return false;
    pos_ += n;
    return true;
  }

  arrow::Result<cp::Expression> Or() {
    ARROW_ASSIGN_OR_RAISE(auto left, And());
    while (Word("or")) {
      ARROW_ASSIGN_OR_RAISE(auto right, And());
      left = cp::or_(left, right);
    }
    return left;
  }
  arrow::Result<cp::Expression> And() {
    ARROW_ASSIGN_OR_RAISE(auto left, Term());
    while (Word("and")) {
      ARROW_ASSIGN_OR_RAISE(auto right, Term());
      left = cp::and_(left, right);
    }
    return left;
  }
  arrow::Result<cp::Expression> Term() {
    if (Word("not")) {
      ARROW_ASSIGN_OR_RAISE(auto inner, Term());
      return cp::not_(inner);
    }
    if (Symbol("(")) {
      ARROW_ASSIGN_OR_RAISE(auto inner, Or());
      if (!Symbol(")")) return Error("expected ')'");
      return inner;
    }
    ARROW_ASSIGN_OR_RAISE(std::string name, Name());
    if (Word("in")) return InList(name);
    std::string op;
    for (const char* candidate : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (Symbol(candidate)) {
        op = candidate;
        break;
      }
    }
    if (op.empty()) {
      return Error("expected one of == != < <= > >= in after '" + name + "'");
    }
    ARROW_ASSIGN_OR_RAISE(cp::Expression value, Value());
    const cp::Expression field = cp::field_ref(name);
    if (op == "==") return cp::equal(field, value);
    if (op == "!=") return cp::not_equal(field, value);
    if (op == "<") return cp::less(field, value);
    if (op == "<=") return cp::less_equal(field, value);
    if (op == ">") return cp::greater(field, value);
    return cp::greater_equal(field, value);
  }
  // NAME in (VALUE, VALUE, ...): NAME equals any of the values.
  arrow::Result<cp::Expression> InList(const std::string& name) {
    if (!Symbol("(")) return Error("expected '(' after 'in'");
    std::vector<cp::Expression> equals;
    do {
      ARROW_ASSIGN_OR_RAISE(cp::Expression value, Value());
      equals.push_back(cp::equal(cp::field_ref(name), std::move(value)));
    } while (Symbol(","));
    if (!Symbol(")")) return Error("expected ',' or ')' in the 'in' list");
    return cp::or_(equals);
  }
  arrow::Result<std::string> Name() {
    Skip();
    if (Symbol("`")) {
      const size_t end = text_.find('`', pos_);
      if (end == std::string::npos) return Error("unterminated `name`");
      std::string name = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      return name;
    }
    const size_t start = pos_;
    if (pos_ < text_.size() &&
        (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '_' || text_[pos_] == '.')) {
        ++pos_;
      }
    }
    if (pos_ == start) return Error("expected a column name");
    return text_.substr(start, pos_ - start);
  }
  arrow::Result<cp::Expression> Value() {
    Skip();
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      const char quote = text_[pos_++];
      const size_t end = text_.find(quote, pos_);
      if (end == std::string::npos) return Error("unterminated string");
      std::string value = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      return cp::literal(std::move(value));
    }
    if (Word("true")) return cp::literal(true);
    if (Word("false")) return cp::literal(false);
    const char* begin = text_.c_str() + pos_;
    char* end = nullptr;
    const long long integer = std::strtoll(begin, &end, 10);
    if (end != begin && (*end == '\0' || (*end != '.' && *end != 'e' && *end != 'E'))) {
      pos_ += static_cast<size_t>(end - begin);
      return cp::literal(static_cast<int64_t>(integer));
    }
    const double real = std::strtod(begin, &end);
    if (end != begin) {
      pos_ += static_cast<size_t>(end - begin);
      return cp::literal(real);
    }
    return Error("expected a value ('text', a number, true or false)");
  }

  const std::string& text_;
  size_t pos_ = 0;
};

}  // namespace

arrow::Result<cp::Expression> ParseFilter(const std::string& text) {
  return Parser(text).Parse();
}

}  // namespace omearrow
