#include "cli.hpp"

int main(int argc, char** argv) { return kfm::cli::run_main(argc, argv); }
