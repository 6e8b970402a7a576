// libFuzzer target for the command line. The input is split into words at
// whitespace. Every input goes through the strict parser with the velocity
// command's options; inputs whose words cannot name a path outside the current
// folder (no '/') are also run as a whole `kfm ...` command inside a private
// folder on tmpfs holding small S.npy, X.csv and M.csv files.
// Findings: an exception other than kfm::Error from the parser; from run(), a
// status other than 0 (success) or 2 (bad input, one line "kfm: error: ..."),
// i.e. an internal error or out of memory; a temporary file left behind.
#include <stdlib.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "cli.hpp"
#include "fuzz_util.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"

namespace {

namespace fs = std::filesystem;

const char* const kFixtures[] = {"S.npy", "X.csv", "M.csv"};

fs::path& work_folder();

void write_fixtures() {
  kfm::Matrix<double> s(5, 2), x(3, 2), metric(2, 2);
  s << 0, 0, 1, 0, 0, 1, 2, 2, -1, 0.5;
  x << 0.1, 0.2, -0.3, 0.4, 1.5, -2;
  metric << 2, 0.5, 0.5, 1;
  kfm::io::write_matrix(work_folder() / "S.npy", s);
  kfm::io::write_matrix(work_folder() / "X.csv", x);
  kfm::io::write_matrix(work_folder() / "M.csv", metric);
}

// io::write_file_atomic's temporaries: ".<target>.tmp-XXXXXX" (6 letters or digits).
// A user's own output may contain ".tmp-" but must end in .npy/.csv/.json.
bool is_atomic_temp_file(const std::string& name) {
  const std::size_t marker = name.rfind(".tmp-");
  if (name.empty() || name[0] != '.' || marker == std::string::npos ||
      name.size() != marker + 5 + 6)
    return false;
  for (std::size_t i = marker + 5; i < name.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

void check_parser(const std::vector<std::string>& words) {
  static const kfm::cli::Command command = kfm::cli::velocity_command();
  try {
    const kfm::cli::ParsedArgs args = kfm::cli::parse_args(words, command.options, 1);
    for (const auto& spec : command.options) {
      try {
        (void)args.number(spec.name, 0.0);
      } catch (const kfm::Error&) {
      }
      try {
        (void)args.integer(spec.name, 0);
      } catch (const kfm::Error&) {
      }
    }
  } catch (const kfm::Error&) {
  }
}

// The private work folder (the fuzzer's own paths stay relative to the start folder).
fs::path& work_folder() {
  static fs::path folder;
  return folder;
}

// Runs `kfm words...` inside the work folder, then returns to the start folder.
int run_in_work_folder(const std::vector<std::string>& words, std::ostream& out,
                       std::ostream& err) {
  const fs::path start = fs::current_path();
  fs::current_path(work_folder());
  const int status = kfm::cli::run(words, out, err);
  fs::current_path(start);
  return status;
}

void check_run(const std::vector<std::string>& words) {
  std::ostringstream out, err;
  const int status = run_in_work_folder(words, out, err);
  if (status != 0 && status != 2) {
    std::fprintf(stderr, "status %d: %s", status, err.str().c_str());
    kfm::fuzz::finding("kfm run ended with an internal error or out of memory");
  }
  const std::string message = err.str();
  if (status == 2 && (message.rfind("kfm: error: ", 0) != 0 ||
                      message.find('\n') != message.size() - 1))
    kfm::fuzz::finding("error message is not one line starting with 'kfm: error: '");
  // Leave the folder as it was: remove outputs, restore fixtures if overwritten.
  bool touched = false;
  for (const auto& entry : fs::directory_iterator(work_folder())) {
    const std::string name = entry.path().filename().string();
    if (is_atomic_temp_file(name)) kfm::fuzz::finding("temporary file left behind");
    bool fixture = false;
    for (const char* f : kFixtures) fixture = fixture || name == f;
    if (!fixture) fs::remove_all(entry.path());
    touched = touched || !fixture;
  }
  if (status == 0 || touched) write_fixtures();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char folder[] = "/dev/shm/kfm_cli_fuzz_XXXXXX";
  if (!::mkdtemp(folder)) kfm::fuzz::finding("cannot make the work folder");
  work_folder() = folder;
  std::atexit([] {
    std::error_code ignored;
    fs::remove_all(work_folder(), ignored);
  });
  write_fixtures();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> words =
      split_words(std::string_view(reinterpret_cast<const char*>(data), size));
  check_parser(words);
  for (const std::string& w : words)
    if (w.find('/') != std::string::npos) return 0;  // could name a path elsewhere
  check_run(words);
  return 0;
}
