#pragma once
// Shared helpers for the libFuzzer targets: a finding is anything other than a
// kfm::Error escaping, a sanitizer report, or a broken invariant (trap).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kfm/io.hpp"

namespace kfm::fuzz {

// Same shape, dtype, dimensionality and values (compared as numbers).
inline bool same(const io::LoadedMatrix& a, const io::LoadedMatrix& b) {
  return a.values.rows() == b.values.rows() && a.values.cols() == b.values.cols() &&
         a.dtype == b.dtype && a.one_dimensional == b.one_dimensional &&
         (a.values.array() == b.values.array()).all();
}

// Reports a broken invariant and aborts, so libFuzzer saves the input.
[[noreturn]] inline void finding(const char* what) {
  std::fprintf(stderr, "kfm fuzz finding: %s\n", what);
  std::abort();
}

// The bytes as a regular in-memory file (memfd), reachable by path, so the
// streaming file readers can be compared with the in-memory parsers.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view bytes) {
    fd_ = ::memfd_create("kfm_fuzz", MFD_CLOEXEC);
    if (fd_ < 0) finding("memfd_create failed");
    for (std::size_t done = 0; done < bytes.size();) {
      const ::ssize_t wrote = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (wrote <= 0) finding("write to memfd failed");
      done += static_cast<std::size_t>(wrote);
    }
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path(const char* extension) const {
    // /proc/self/fd/N opens the memfd anew; the extension is not needed by read_npy/read_csv.
    (void)extension;
    return "/proc/self/fd/" + std::to_string(fd_);
  }

 private:
  int fd_ = -1;
};

}  // namespace kfm::fuzz
