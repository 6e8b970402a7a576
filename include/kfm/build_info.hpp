#pragma once
// Provenance of this build, recorded in every result file kfm writes.
#include <string>

namespace kfm {

struct BuildInfo {
  std::string version;     // project version
  std::string commit;      // git commit at configure time ("-dirty" if modified)
  std::string compiler;    // compiler id and version
  std::string cxx_flags;   // flags of the build type in effect
  std::string build_type;  // Release, Debug, ...
};

const BuildInfo& build_info();

}  // namespace kfm
