#!/usr/bin/python3
"""Writes the small fixture files under tests/data with real NumPy, so the
readers are tested against files NumPy itself produced. Run from this folder:
    /usr/bin/python3 make_fixtures.py
The expected values are repeated in tests/unit/io_npy_test.cpp and io_csv_test.cpp."""
import numpy as np

# f32, C order, 3 x 4: value (i, j) = (4*i + j) / 8 - 0.5
a = (np.arange(12, dtype=np.float64).reshape(3, 4) / 8 - 0.5).astype(np.float32)
np.save("numpy_f32_c.npy", a)
# f64, Fortran order, 3 x 2, with -0.0 and 1e300 in the last row
b = np.asfortranarray(np.array([[0.25, 1.25], [10.25, 11.25], [-0.0, 1e300]]))
assert b.flags.f_contiguous and not b.flags.c_contiguous
np.save("numpy_f64_fortran.npy", b)
# 1-D f64, ending with the smallest denormal
np.save("numpy_f64_1d.npy", np.array([1.0, -2.5, 3.25, 5e-324]))
# version 2.0 and 3.0 headers
with open("numpy_f64_v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([[1.0, 2.0], [3.0, 4.0]]), version=(2, 0))
with open("numpy_f32_v3.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([[1.5, -2.5], [3.5, -4.5]], dtype=np.float32),
                              version=(3, 0))
# CSV as numpy.savetxt writes it (%.18e, with a '#' header line)
np.savetxt("numpy_savetxt.csv", np.array([[0.1, -2.0, 3e-310], [1e300, 0.5, -0.0]]),
           delimiter=",", header="x,y,z")
