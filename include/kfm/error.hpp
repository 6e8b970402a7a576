#pragma once
// The one exception type kfm throws for bad input; its message is a single
// line meant for the user (the CLI prints it as "kfm: error: <message>").
#include <stdexcept>
#include <string>

namespace kfm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace kfm
