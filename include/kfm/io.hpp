#pragma once
// Reading and writing point sets: NumPy .npy (format 1.0/2.0/3.0, little-endian
// float32/float64, C or Fortran order, 1-D or 2-D) and CSV (comma-separated
// numbers, one row per line, '#' comments, no header).
//
// Readers reject every malformed file with a kfm::Error whose one-line message
// names the file and the place (header field, row and column). Non-finite
// values (NaN, Inf) are rejected on reading: no kfm input may hold them.
//
// Writers choose the format by extension (.npy or .csv, anything else is an
// error) and are atomic: they write a temporary file in the target folder and
// rename it over the target only once everything is written, so a failed or
// interrupted write never leaves a partial file.
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include "kfm/matrix.hpp"

namespace kfm::io {

enum class DType { f32, f64 };

struct LoadedMatrix {
  Matrix<double> values;  // a 1-D array is loaded as one column (n x 1)
  DType dtype = DType::f64;  // element type in the file (CSV: f64)
  bool one_dimensional = false;
};

// By extension: ".npy" reads NumPy, anything else is parsed as CSV.
LoadedMatrix read_matrix(const std::filesystem::path& path);
LoadedMatrix read_npy(const std::filesystem::path& path);
LoadedMatrix read_csv(const std::filesystem::path& path);
// Parse from memory; `name` is used in error messages (also the fuzzing entry points).
LoadedMatrix parse_npy(std::string_view bytes, const std::string& name);
LoadedMatrix parse_csv(std::string_view text, const std::string& name);

// Write a 2-D matrix (or, with as_vector, its single column as a 1-D array).
// dtype applies to .npy; CSV is written with round-trip precision
// (%.17g for f64, %.9g for f32).
void write_matrix(const std::filesystem::path& path, const Matrix<double>& values,
                  DType dtype = DType::f64, bool as_vector = false);

// Checks, before any work is done, that `path` can be a target of write_matrix
// (extension .npy or .csv; `allowed_ext` overrides) and that its folder exists.
void check_output_path(const std::filesystem::path& path,
                       std::initializer_list<std::string_view> allowed_ext = {".npy", ".csv"});

// Atomically replace `path` with `contents` (used for JSON results too).
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace kfm::io
