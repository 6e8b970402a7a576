# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/tests/kfm_unit_tests[1]_include.cmake")
include("/work/main/build/tests/kfm_cli_tests[1]_include.cmake")
