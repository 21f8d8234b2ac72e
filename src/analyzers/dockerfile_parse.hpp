// The Dockerfile parser of dockerfile.cpp, shared with the hardening checks
// (hardening_dockerfile.cpp); private to src/analyzers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyzers/analyzers.hpp"

namespace leakhound::dockerfile {

struct Instruction {
  std::string cmd;   // upper case
  std::string args;  // continuation lines joined, heredoc bodies appended
  uint64_t begin = 0, end = 0;
  uint64_t first_line_end = 0;
};

// Instructions with continuations, comments, heredocs and the escape directive handled.
std::vector<Instruction> Parse(std::string_view d, std::vector<AnalyzerWarning>* warnings);
// Shell-like words: quotes removed, operators (> >> | && ; ||) as words of their own.
std::vector<std::string> Words(std::string_view s);
bool IsOperator(const std::string& w);
// The arguments of a JSON-form instruction; false when it is in shell form.
bool JsonArgs(const std::string& args, std::vector<std::string>* out);

// The hardening checks (rules tagged `hardening`): flags into `out`.
std::string Join(const std::vector<std::string>& words);

void CheckHardening(const std::vector<Instruction>& instructions, Analysis* out);

}  // namespace leakhound::dockerfile
