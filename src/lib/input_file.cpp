#include "input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "io_text.hpp"
#include "kfm/error.hpp"
#include "kfm/limits.hpp"

namespace kfm::io::detail {

InputFile::InputFile(const std::filesystem::path& path) : name_(display_name(path)) {
  require_no_nul(path);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open: {}", name_, std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int saved = errno;
    ::close(fd_);
    throw Error(fmt::format("{}: cannot read: {}", name_, std::strerror(saved)));
  }
  if (S_ISDIR(info.st_mode)) {
    ::close(fd_);
    throw Error(fmt::format("{}: is a folder, not a file", name_));
  }
  if (S_ISREG(info.st_mode)) size_ = static_cast<std::size_t>(info.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t InputFile::read(char* buffer, std::size_t count) {
  std::size_t done = 0;
  while (done < count) {
    const ::ssize_t got = ::read(fd_, buffer + done, count - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("{}: cannot read: {}", name_, std::strerror(errno)));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

std::string InputFile::read_rest() {
  std::string out;
  constexpr std::size_t chunk = std::size_t{1} << 20;
  // A pipe or device has no size to check: bound what it may stream (/dev/zero).
  const std::size_t limit = memory_limit_bytes() / 2;
  for (;;) {
    const std::size_t old_size = out.size();
    if (old_size > limit)
      throw Error(fmt::format("{}: more than {} of input (half the memory limit, see "
                              "KFM_MEMORY_LIMIT_MB)", name_, format_bytes(limit)));
    out.resize(old_size + chunk);
    const std::size_t got = read(out.data() + old_size, chunk);
    out.resize(old_size + got);
    if (got < chunk) return out;
  }
}

}  // namespace kfm::io::detail
