#pragma once
// Reading and writing point sets: NumPy .npy (format 1.0/2.0/3.0, little-endian
// float32/float64, C or Fortran order, 1-D or 2-D) and CSV (comma-separated
// numbers, one row per line, '#' comments, no header).
//
// Readers reject every malformed file with a kfm::Error whose one-line message
// starts with the file name and names the place: the .npy header field, the
// expected vs found byte count, or the row and column (counted from 1; CSV
// errors read "FILE: line L, column C: ..."). Non-finite values (NaN, Inf) and
// arrays without data (a zero dimension, or a CSV with no rows) are rejected on
// reading: no kfm input may hold them. A header's claims (shape, header length)
// are checked against the bytes actually present before anything is allocated.
//
// .npy: descr '<f4' or '<f8' ('=' also accepted on little-endian hosts); any
// other dtype is an error naming it. 1-D arrays load as n x 1 with
// one_dimensional set; 0-D and >2-D arrays are errors.
// CSV: fields separated by ',', spaces/tabs around them ignored, '#' starts a
// comment (whole line or trailing), blank lines skipped, CRLF accepted, every
// row the same number of columns, numbers parsed exactly (std::from_chars).
//
// Writers choose the format by extension (.npy or .csv, anything else is an
// error) and are atomic: they write a temporary file in the target folder and
// rename it over the target only once everything is written (and fsync-ed),
// so a failed write never leaves a partial or temporary file behind.
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

// By extension: ".npy" reads NumPy, anything else is parsed as CSV. Files are
// streamed (no whole-file copy in memory); pipes and devices work too.
LoadedMatrix read_matrix(const std::filesystem::path& path);
LoadedMatrix read_npy(const std::filesystem::path& path);
LoadedMatrix read_csv(const std::filesystem::path& path);
// Parse from memory; `name` is used in error messages (also the fuzzing entry points).
LoadedMatrix parse_npy(std::string_view bytes, const std::string& name);
LoadedMatrix parse_csv(std::string_view text, const std::string& name);

// Write a 2-D matrix (or, with as_vector, its single column as a 1-D array;
// more columns are an error). ".npy": version 1.0, C order, '<f8' or '<f4' by
// dtype, data aligned to 64 bytes. ".csv": one row per line (a vector: one
// value per line) with round-trip precision (%.17g for f64, %.9g for f32).
// Any other extension is an Error. Atomic, as write_file_atomic.
void write_matrix(const std::filesystem::path& path, const Matrix<double>& values,
                  DType dtype = DType::f64, bool as_vector = false);

// Checks, before any work is done, that `path` can be a target of write_matrix
// (extension .npy or .csv; `allowed_ext` overrides, compared case-sensitively),
// that its folder exists and is a writable directory (no folder part = the
// current folder) and that `path` is not itself a folder. Creates nothing.
void check_output_path(const std::filesystem::path& path,
                       std::initializer_list<std::string_view> allowed_ext = {".npy", ".csv"});

// Atomically replace `path` with `contents` (used for JSON results too): a
// temporary ".<name>.tmp-XXXXXX" in the same folder, every write checked,
// fsync, rename over `path`. On failure the temporary file is removed and an
// Error names `path` and the system's reason (strerror).
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace kfm::io
