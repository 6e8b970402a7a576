#pragma once
// Helpers for the I/O tests: a per-test scratch folder, raw file access, a
// builder for hand-made .npy files and a check for kfm::Error messages.
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "kfm/error.hpp"

namespace kfm::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp folder, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string stem = "kfm-test-";
    if (info) stem += std::string(info->test_suite_name()) + "-" + info->name() + "-";
    std::random_device seed;
    for (int attempt = 0;; ++attempt) {
      path_ = fs::temp_directory_path() /
              (stem + std::to_string(::getpid()) + "-" + std::to_string(seed() % 1000000));
      if (fs::create_directory(path_) || attempt > 100) break;
    }
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  // Names of the entries in the folder, sorted, for "nothing else was left" checks.
  std::string listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& name : names) out += name + ";";
    return out;
  }

 private:
  fs::path path_;
};

inline void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Raw little-endian element bytes.
inline std::string f64_bytes(std::initializer_list<double> values) {
  std::string out;
  for (const double v : values) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  return out;
}
inline std::string f32_bytes(std::initializer_list<float> values) {
  std::string out;
  for (const float v : values) {
    const auto bits = std::bit_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  return out;
}

// A .npy file by hand: magic, version major.0, the header length field (2 bytes
// for 1.0, 4 otherwise), `dict` padded with spaces and '\n' to 64 bytes, data.
inline std::string npy_file(int major, std::string_view dict, std::string_view data) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  std::string header(dict);
  const std::size_t unpadded = prefix + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (std::size_t i = 0; i < prefix - 8; ++i)
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out += header;
  out += data;
  return out;
}

// Runs `action`, expecting a kfm::Error whose message is one line, starts with
// "<name>:" and mentions every one of `parts`.
template <class Action>
::testing::AssertionResult throws_error(Action&& action, std::string_view name,
                                        std::initializer_list<std::string_view> parts) {
  try {
    action();
  } catch (const kfm::Error& error) {
    const std::string message = error.what();
    if (message.find('\n') != std::string::npos)
      return ::testing::AssertionFailure() << "message is not one line: " << message;
    if (message.rfind(std::string(name) + ":", 0) != 0)
      return ::testing::AssertionFailure() << "message does not start with '" << name
                                           << ":': " << message;
    for (const std::string_view part : parts)
      if (message.find(part) == std::string::npos)
        return ::testing::AssertionFailure() << "message does not mention '" << part
                                             << "': " << message;
    return ::testing::AssertionSuccess() << message;
  } catch (const std::exception& error) {
    return ::testing::AssertionFailure() << "threw a non-kfm exception: " << error.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

}  // namespace kfm::test
