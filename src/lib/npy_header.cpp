// The .npy header: a Python dict literal such as
//   {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
// parsed with a small recursive-descent parser for the Python literals NumPy
// writes (strings, True/False/None, integers, tuples, lists), then validated.
#include <bit>
#include <cctype>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "io_text.hpp"
#include "kfm/error.hpp"
#include "npy_format.hpp"

namespace kfm::io::detail {
namespace {

struct PyValue {
  enum class Kind { string, boolean, none, integer, tuple, list };
  Kind kind = Kind::none;
  std::string text;        // string
  bool flag = false;       // boolean
  std::uint64_t magnitude = 0;  // integer
  bool negative = false;   // integer
  std::vector<PyValue> items;  // tuple, list
};

const char* kind_name(PyValue::Kind kind) {
  switch (kind) {
    case PyValue::Kind::string: return "a string";
    case PyValue::Kind::boolean: return "a boolean";
    case PyValue::Kind::none: return "None";
    case PyValue::Kind::integer: return "an integer";
    case PyValue::Kind::tuple: return "a tuple";
    case PyValue::Kind::list: return "a list";
  }
  return "a value";
}

class LiteralParser {
 public:
  LiteralParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  std::vector<std::pair<std::string, PyValue>> parse_dict() {
    skip_space();
    expect('{', "'{' at the start of the header");
    std::vector<std::pair<std::string, PyValue>> entries;
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      PyValue key = parse_value();
      if (key.kind != PyValue::Kind::string)
        fail(fmt::format("dict key is {}, expected a string", kind_name(key.kind)));
      skip_space();
      expect(':', fmt::format("':' after key '{}'", printable(key.text)));
      PyValue value = parse_value();
      entries.emplace_back(std::move(key.text), std::move(value));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' after a dict entry");
    }
    ++pos_;  // '}'
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'");
    return entries;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("{}: malformed .npy header: {} at offset {} in \"{}\"", name_, what,
                            pos_, printable(text_, 120)));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) fail("expected " + what);
    ++pos_;
  }
  bool take_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    const std::size_t end = pos_ + word.size();
    if (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'))
      return false;
    pos_ = end;
    return true;
  }

  PyValue parse_value() {
    skip_space();
    if (++depth_ > 32) fail("nesting too deep");
    PyValue value;
    const char c = peek();
    if (c == '\'' || c == '"') {
      value = parse_string();
    } else if (c == '(' || c == '[') {
      value = parse_sequence();
    } else if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
      value = parse_integer();
    } else if (take_word("True")) {
      value.kind = PyValue::Kind::boolean;
      value.flag = true;
    } else if (take_word("False")) {
      value.kind = PyValue::Kind::boolean;
    } else if (take_word("None")) {
      value.kind = PyValue::Kind::none;
    } else if (c == '\0') {
      fail("unexpected end of header");
    } else {
      fail(fmt::format("unexpected character '{}'", printable(std::string_view(&text_[pos_], 1))));
    }
    --depth_;
    return value;
  }

  PyValue parse_string() {
    PyValue value;
    value.kind = PyValue::Kind::string;
    const char quote = text_[pos_++];
    for (;;) {
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == quote) break;
      if (c == '\\') {  // keep escapes verbatim; dtype strings never need them
        if (pos_ >= text_.size()) fail("unterminated string");
        value.text += c;
        value.text += text_[pos_++];
        continue;
      }
      value.text += c;
    }
    return value;
  }

  PyValue parse_integer() {
    PyValue value;
    value.kind = PyValue::Kind::integer;
    if (peek() == '-' || peek() == '+') value.negative = text_[pos_++] == '-';
    if (!(peek() >= '0' && peek() <= '9')) fail("expected a digit");
    while (peek() >= '0' && peek() <= '9') {
      const auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
      if (value.magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
        fail("integer too large");
      value.magnitude = value.magnitude * 10 + digit;
      ++pos_;
    }
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 long, written by old NumPy
    return value;
  }

  // (a, b), (a,), (), [a, b]; "(a)" is just a, as in Python.
  PyValue parse_sequence() {
    const char open = text_[pos_++];
    const char close = open == '(' ? ')' : ']';
    PyValue value;
    value.kind = open == '(' ? PyValue::Kind::tuple : PyValue::Kind::list;
    bool saw_comma = false;
    for (;;) {
      skip_space();
      if (peek() == close) break;
      value.items.push_back(parse_value());
      skip_space();
      if (peek() == ',') {
        ++pos_;
        saw_comma = true;
        continue;
      }
      if (peek() != close) fail(fmt::format("expected ',' or '{}'", close));
    }
    ++pos_;
    if (open == '(' && value.items.size() == 1 && !saw_comma) return std::move(value.items[0]);
    return value;
  }

  std::string_view text_;
  const std::string& name_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// The element type, or an error that names the dtype and says what it is.
std::pair<DType, std::size_t> parse_descr(const std::string& descr, const std::string& name) {
  const bool little = std::endian::native == std::endian::little;
  if (descr == "<f8" || (little && descr == "=f8")) return {DType::f64, 8};
  if (descr == "<f4" || (little && descr == "=f4")) return {DType::f32, 4};
  std::string what = "not a supported type";
  const char order = descr.empty() ? '\0' : descr[0];
  const std::string_view body =
      (order == '<' || order == '>' || order == '=' || order == '|') ? std::string_view(descr).substr(1)
                                                                     : std::string_view(descr);
  const char kind = body.empty() ? '\0' : body[0];
  if (kind == 'f' && (body == "f4" || body == "f8") && (order == '>' || order == '=')) {
    what = "big-endian";
  } else if (kind == 'f') {
    what = body == "f2" ? "float16" : "a float size other than 4 or 8 bytes";
  } else if (kind == 'i' || kind == 'u') {
    what = "an integer type";
  } else if (kind == 'c') {
    what = "a complex type";
  } else if (kind == 'b' || kind == '?') {
    what = "a boolean type";
  } else if (kind == 'O') {
    what = "an object (pickled) array";
  } else if (kind == 'S' || kind == 'U' || kind == 'a') {
    what = "a string type";
  } else if (kind == 'M' || kind == 'm') {
    what = "a date/time type";
  } else if (kind == 'V') {
    what = "a raw (void) type";
  }
  throw Error(fmt::format(
      "{}: unsupported dtype '{}' ({}); kfm reads little-endian float32 '<f4' and float64 '<f8'",
      name, printable(descr), what));
}

bool checked_multiply(std::size_t a, std::size_t b, std::size_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

}  // namespace

std::string format_shape(const std::vector<std::size_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

NpyHeader parse_npy_header(std::string_view header_text, const std::string& name) {
  const auto entries = LiteralParser(header_text, name).parse_dict();
  std::map<std::string, const PyValue*> fields;
  for (const auto& [key, value] : entries) {
    if (key != "descr" && key != "fortran_order" && key != "shape")
      throw Error(fmt::format("{}: .npy header has unexpected key '{}' (expected descr, "
                              "fortran_order and shape)", name, printable(key)));
    if (!fields.emplace(key, &value).second)
      throw Error(fmt::format("{}: .npy header has key '{}' twice", name, key));
  }
  for (const char* key : {"descr", "fortran_order", "shape"})
    if (fields.count(key) == 0)
      throw Error(fmt::format("{}: .npy header is missing key '{}'", name, key));

  NpyHeader header;
  const PyValue& descr = *fields["descr"];
  if (descr.kind == PyValue::Kind::list)
    throw Error(fmt::format("{}: unsupported dtype: 'descr' is a structured (record) type; kfm "
                            "reads little-endian float32 '<f4' and float64 '<f8'", name));
  if (descr.kind != PyValue::Kind::string)
    throw Error(fmt::format("{}: .npy header 'descr' is {}, expected a string such as '<f8'", name,
                            kind_name(descr.kind)));
  std::tie(header.dtype, header.item_size) = parse_descr(descr.text, name);

  const PyValue& fortran = *fields["fortran_order"];
  if (fortran.kind != PyValue::Kind::boolean)
    throw Error(fmt::format("{}: .npy header 'fortran_order' is {}, expected True or False", name,
                            kind_name(fortran.kind)));
  header.fortran_order = fortran.flag;

  const PyValue& shape = *fields["shape"];
  if (shape.kind != PyValue::Kind::tuple)
    throw Error(fmt::format("{}: .npy header 'shape' is {}, expected a tuple such as (3, 4)", name,
                            kind_name(shape.kind)));
  for (const PyValue& dim : shape.items) {
    if (dim.kind != PyValue::Kind::integer || (dim.negative && dim.magnitude != 0))
      throw Error(fmt::format("{}: .npy header 'shape' holds {}, expected non-negative integers",
                              name, dim.kind == PyValue::Kind::integer ? "a negative integer"
                                                                       : kind_name(dim.kind)));
    if constexpr (sizeof(std::size_t) < sizeof(std::uint64_t))
      if (dim.magnitude > std::numeric_limits<std::size_t>::max())
        throw Error(fmt::format("{}: .npy header 'shape' dimension {} is too large", name,
                                dim.magnitude));
    header.shape.push_back(static_cast<std::size_t>(dim.magnitude));
  }
  const std::string shape_text = format_shape(header.shape);
  if (header.shape.empty())
    throw Error(fmt::format("{}: .npy array is 0-dimensional (shape ()); expected 1-D or 2-D",
                            name));
  if (header.shape.size() > 2)
    throw Error(fmt::format("{}: .npy array has {} dimensions (shape {}); expected 1-D or 2-D",
                            name, header.shape.size(), shape_text));
  header.rows = header.shape[0];
  header.cols = header.shape.size() == 2 ? header.shape[1] : 1;
  if (header.rows == 0 || header.cols == 0)
    throw Error(fmt::format("{}: .npy array has no data (shape {})", name, shape_text));
  std::size_t count = 0;
  if (!checked_multiply(header.rows, header.cols, count) ||
      !checked_multiply(count, header.item_size, header.data_bytes))
    throw Error(fmt::format("{}: .npy header 'shape' {} is too large (its byte size overflows)",
                            name, shape_text));
  return header;
}

}  // namespace kfm::io::detail
