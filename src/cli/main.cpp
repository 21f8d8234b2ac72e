#include <iostream>

#include "cli/cli.hpp"

int main(int argc, char** argv) { return leakhound::Main(argc, argv, std::cout, std::cerr); }
