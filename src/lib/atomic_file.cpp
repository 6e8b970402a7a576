// Atomic file replacement: write a uniquely named temporary file in the target
// folder, fsync it, then rename() it over the target (atomic within one file
// system). Any failure removes the temporary file, so no partial output is
// ever left behind.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include <fmt/format.h>

#include "io_text.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"

namespace kfm::io {
namespace {

namespace fs = std::filesystem;

fs::path folder_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

// A random 6-letter suffix (like mkstemp's XXXXXX). We create the file
// ourselves with O_EXCL and mode 0666, so the final file gets the usual
// permissions (umask applies) instead of mkstemp's 0600.
std::string random_suffix() {
  static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (static_cast<std::uint64_t>(::getpid()) << 32)};
  std::string suffix(6, 'X');
  for (char& c : suffix) c = letters[rng() % (sizeof letters - 1)];
  return suffix;
}

class TempFile {
 public:
  explicit TempFile(const fs::path& target, const std::string& name) : name_(name) {
    const fs::path folder = folder_of(target);
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::string temp_name = ".";  // hidden, and named after its target
      temp_name += target.filename().string();
      temp_name += ".tmp-";
      temp_name += random_suffix();
      path_ = folder / temp_name;
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) return;
      if (errno != EEXIST) break;
    }
    throw Error(fmt::format("{}: cannot create a file in folder '{}': {}", name_,
                            detail::display_name(folder), std::strerror(errno)));
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write_all(std::string_view contents) {
    while (!contents.empty()) {
      const std::size_t step = std::min<std::size_t>(contents.size(), std::size_t{1} << 30);
      const ::ssize_t wrote = ::write(fd_, contents.data(), step);
      if (wrote < 0) {
        if (errno == EINTR) continue;
        fail("cannot write");
      }
      contents.remove_prefix(static_cast<std::size_t>(wrote));
    }
  }

  void commit(const fs::path& target) {
    if (::fsync(fd_) != 0) fail("cannot write (fsync)");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot write (close)");
    if (::rename(path_.c_str(), target.c_str()) != 0) fail("cannot replace the file");
    committed_ = true;
    // Make the rename itself durable; the data is already safe, so failures here are ignored.
    const int dir = ::open(folder_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      (void)::fsync(dir);
      ::close(dir);
    }
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw Error(fmt::format("{}: {}: {}", name_, what, std::strerror(errno)));
  }

  std::string name_;
  fs::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  const std::string name = detail::display_name(path);
  detail::require_no_nul(path);
  if (!path.has_filename() || path.filename() == "." || path.filename() == "..")
    throw Error(fmt::format("{}: not a file name", name));
  TempFile temp(path, name);
  temp.write_all(contents);
  temp.commit(path);
}

void check_output_path(const std::filesystem::path& path,
                       std::initializer_list<std::string_view> allowed_ext) {
  const std::string name = detail::display_name(path);
  detail::require_no_nul(path);
  if (!path.has_filename() || path.filename() == "." || path.filename() == "..")
    throw Error(fmt::format("{}: not a file name", name));
  const std::string ext = path.extension().string();
  if (std::find(allowed_ext.begin(), allowed_ext.end(), ext) == allowed_ext.end()) {
    std::string expected;
    for (const std::string_view allowed : allowed_ext) {
      if (!expected.empty()) expected += " or ";
      expected += allowed;
    }
    throw Error(fmt::format("{}: unsupported output extension '{}' (expected {})", name,
                            detail::printable(ext), expected));
  }
  const fs::path folder = folder_of(path);
  std::error_code error;
  const fs::file_status folder_status = fs::status(folder, error);
  if (!fs::exists(folder_status))
    throw Error(fmt::format("{}: folder '{}' does not exist", name, detail::display_name(folder)));
  if (!fs::is_directory(folder_status))
    throw Error(fmt::format("{}: '{}' is not a folder", name, detail::display_name(folder)));
  if (::access(folder.c_str(), W_OK) != 0)
    throw Error(fmt::format("{}: folder '{}' is not writable: {}", name,
                            detail::display_name(folder), std::strerror(errno)));
  if (fs::is_directory(fs::status(path, error)))
    throw Error(fmt::format("{}: is a folder, not a file", name));
}

}  // namespace kfm::io
