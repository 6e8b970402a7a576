#!/usr/bin/python3
"""Writes the seed corpora under fuzz/corpus/<target>/: small valid files of
each kind and the known-bad ones (truncated, lying headers, huge shapes,
unsupported dtypes, non-finite values, malformed CSV, bad command lines).
Run with /usr/bin/python3 (needs numpy); the output is committed."""
import io
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def npy_bytes(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


def raw_npy(header, data=b"", version=1):
    text = header.encode("latin1")
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(text)) + text + data


rng = np.random.default_rng(7)
a = rng.normal(size=(3, 2))
# Valid .npy files.
put("npy_reader_fuzzer", "f64_c.npy", npy_bytes(a))
put("npy_reader_fuzzer", "f32_c.npy", npy_bytes(a.astype(np.float32)))
put("npy_reader_fuzzer", "f64_fortran.npy", npy_bytes(np.asfortranarray(a)))
put("npy_reader_fuzzer", "f64_1d.npy", npy_bytes(a[:, 0].copy()))
put("npy_reader_fuzzer", "f64_v2.npy", npy_bytes(a, version=(2, 0)))
put("npy_reader_fuzzer", "f32_v3.npy", npy_bytes(a.astype(np.float32), version=(3, 0)))
put("npy_reader_fuzzer", "subnormal.npy", npy_bytes(np.array([[5e-324, 1e-310], [1e308, -0.0]])))
# Known-bad .npy files.
good = npy_bytes(a)
put("npy_reader_fuzzer", "bad_truncated_data.npy", good[:-5])
put("npy_reader_fuzzer", "bad_truncated_header.npy", good[:30])
put("npy_reader_fuzzer", "bad_magic.npy", b"\x93NUMPZ" + good[6:])
put("npy_reader_fuzzer", "bad_version.npy", good[:6] + b"\x04\x00" + good[8:])
put("npy_reader_fuzzer", "bad_huge_shape.npy",
    raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
            b"\0" * 16))
put("npy_reader_fuzzer", "bad_overflow_shape.npy",
    raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551615, 18446744073709551615), }"))
put("npy_reader_fuzzer", "bad_big_claim.npy",
    raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 1000), }", b"\0" * 8))
put("npy_reader_fuzzer", "bad_dtype_int.npy", npy_bytes(np.arange(6).reshape(3, 2)))
put("npy_reader_fuzzer", "bad_dtype_big_endian.npy", npy_bytes(a.astype(">f8")))
put("npy_reader_fuzzer", "bad_3d.npy", npy_bytes(np.zeros((2, 2, 2))))
put("npy_reader_fuzzer", "bad_empty.npy", npy_bytes(np.zeros((0, 3))))
put("npy_reader_fuzzer", "bad_nan.npy", npy_bytes(np.array([[1.0, np.nan]])))
put("npy_reader_fuzzer", "bad_extra_key.npy",
    raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", b"\0" * 8))
put("npy_reader_fuzzer", "bad_nested.npy", raw_npy("{'descr': " + "(" * 40 + ")" * 40 + "}"))
put("npy_reader_fuzzer", "bad_header_length.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}")

# Valid CSV files.
put("csv_reader_fuzzer", "plain.csv", "1,2,3\n4,5,6\n")
put("csv_reader_fuzzer", "savetxt.csv", "\n".join(",".join(f"{v:.18e}" for v in row) for row in a) + "\n")
put("csv_reader_fuzzer", "comments_crlf.csv", "# header comment\r\n 1.5 , -2e3 # tail\r\n\r\n+3,4\r\n")
put("csv_reader_fuzzer", "bom_no_newline.csv", b"\xef\xbb\xbf1e-310,5e-324,1.7976931348623157e308")
put("csv_reader_fuzzer", "one_column.csv", "1\n2\n3\n")
# Known-bad CSV files.
put("csv_reader_fuzzer", "bad_ragged.csv", "1,2,3\n4,5\n")
put("csv_reader_fuzzer", "bad_word.csv", "1,two\n")
put("csv_reader_fuzzer", "bad_nan.csv", "1,nan\ninf,2\n")
put("csv_reader_fuzzer", "bad_empty_field.csv", "1,,2\n")
put("csv_reader_fuzzer", "bad_range.csv", "1e999,1e-999\n")
put("csv_reader_fuzzer", "bad_only_comments.csv", "# nothing\n\n")
put("csv_reader_fuzzer", "bad_signs.csv", "+-1,--2,+ 3\n")

# Command lines (words split at whitespace).
cli = {
    "velocity.txt": "velocity --support S.npy --queries X.csv --t 0.5 --out U.npy",
    "velocity_all.txt": "velocity --support S.npy --queries X.csv --t=1 --sigma-min 0.2 "
                        "--metric M.csv --backend reference --precision f32 --threads 2 "
                        "--out U.csv --neff N.npy",
    "help.txt": "velocity --help",
    "version.txt": "--version",
    "bad_unknown.txt": "velocity --bogus 1",
    "bad_twice.txt": "velocity --t 0.5 --t 0.6",
    "bad_missing_value.txt": "velocity --support",
    "bad_number.txt": "velocity --support S.npy --queries X.csv --t 0x1p-3 --out U.npy",
    "bad_threads.txt": "velocity --support S.npy --queries X.csv --t 0.5 --threads -1 --out U.npy",
    "bad_out_ext.txt": "velocity --support S.npy --queries X.csv --t 0.5 --out U.txt",
    "bad_switch_value.txt": "--help=3",
    "bad_command.txt": "velocityx",
}
for name, text in cli.items():
    put("cli_args_fuzzer", name, text)
