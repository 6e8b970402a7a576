// TEMPORARY stub until the I/O implementation lands.
#include "kfm/io.hpp"
#include "kfm/error.hpp"
namespace kfm::io {
LoadedMatrix read_matrix(const std::filesystem::path&) { throw Error("io not implemented"); }
void write_matrix(const std::filesystem::path&, const Matrix<double>&, DType, bool) { throw Error("io not implemented"); }
void check_output_path(const std::filesystem::path&, std::initializer_list<std::string_view>) {}
}
