#pragma once
// A file opened for reading with POSIX calls, so every failure can be reported
// with the file name and strerror, and so readers can learn the file size
// (to check a header's claims) before allocating anything.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace kfm::io::detail {

class InputFile {
 public:
  explicit InputFile(const std::filesystem::path& path);  // throws Error
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& name() const { return name_; }
  // The size of a regular file; nullopt for pipes and devices.
  std::optional<std::size_t> size() const { return size_; }

  // Reads up to `count` bytes; returns fewer only at end of file.
  std::size_t read(char* buffer, std::size_t count);
  // Everything from the current position to end of file.
  std::string read_rest();

 private:
  int fd_ = -1;
  std::string name_;
  std::optional<std::size_t> size_;
};

}  // namespace kfm::io::detail
