#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/checksum.hpp"

namespace leakhound::testing {

const RuleSet& BuiltinRules() {
  static std::unique_ptr<RuleSet> set = [] {
    std::vector<RuleError> errors;
    auto rules = LoadBuiltinRules(&errors);
    RuleSetOptions options;
    options.cache_dir = DefaultCacheDir();
    auto built = RuleSet::Build(std::move(rules), options, &errors);
    for (const auto& e : errors) UNSCOPED_INFO(e.ToString());
    REQUIRE(errors.empty());
    REQUIRE(built);
    return built;
  }();
  return *set;
}

std::unique_ptr<RuleSet> RulesFromYaml(const std::string& yaml) {
  std::vector<RuleError> errors;
  auto rules = LoadRulesFromYaml(yaml, "test.yaml", &errors);
  auto set = RuleSet::Build(std::move(rules), RuleSetOptions{}, &errors);
  for (const auto& e : errors) UNSCOPED_INFO(e.ToString());
  REQUIRE(errors.empty());
  REQUIRE(set);
  return set;
}

ShellResult RunShell(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, ""};
}

ShellResult RunInGitDir(const std::string& dir, const std::string& command,
                        const std::string& leakhound_binary) {
  return RunShell("cd " + ShellQuote(dir) +
                  " && export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.invalid "
                  "GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.invalid "
                  "GIT_CONFIG_NOSYSTEM=1 LEAKHOUND=" + ShellQuote(leakhound_binary) +
                  " && unset LEAKHOUND_POLICY && (" + command + ") 2>/dev/null");
}

ShellResult RunShellWithStderr(const std::string& command) {
  std::string err_path =
      (std::filesystem::temp_directory_path() / "leakhound-test-err-XXXXXX").string();
  const int fd = ::mkstemp(err_path.data());
  REQUIRE(fd >= 0);
  ::close(fd);
  ShellResult r = RunShell("(" + command + ") 2>" + ShellQuote(err_path));
  std::ifstream in(err_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  std::filesystem::remove(err_path);
  return r;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

JsonRun RunJsonReport(const std::string& binary, const std::string& args, const std::string& cwd) {
  const ShellResult r = RunShellWithStderr("cd " + ShellQuote(cwd) + " && " + ShellQuote(binary) +
                                           " " + args + " --format json");
  JsonRun out;
  out.code = r.code;
  out.err = r.err;
  INFO(args << "\nstderr: " << r.err << "\nstdout: " << r.out);
  REQUIRE_NOTHROW(out.report = nlohmann::json::parse(r.out));
  return out;
}

std::string LocationAttr(const nlohmann::json& loc, const std::string& key) {
  return loc.contains("attributes") && loc["attributes"].contains(key)
             ? loc["attributes"][key].get<std::string>()
             : "";
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "leakhound-test-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& rel, const std::string& content) const {
  const std::filesystem::path p = std::filesystem::path(path_) / rel;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p.string();
}

std::string FakeSecrets::Chars(const std::string& alphabet, size_t n) {
  // Plain modulo rather than a std distribution: the same sequence on every standard library.
  auto pick = [&](std::mt19937&) { return static_cast<size_t>(rng_() % alphabet.size()); };
  std::string out;
  // Avoid runs that the placeholder filter (rightly) drops.
  while (out.size() < n) {
    const char c = alphabet[pick(rng_)];
    if (out.size() >= 2 && out[out.size() - 1] == c && out[out.size() - 2] == c) continue;
    if (!out.empty() && static_cast<unsigned char>(c) == static_cast<unsigned char>(out.back()) + 1)
      continue;
    out.push_back(c);
  }
  return out;
}

std::string FakeSecrets::Base62(size_t n) {
  return Chars("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", n);
}

std::string FakeSecrets::GithubToken(const std::string& prefix, bool valid_checksum) {
  const std::string random = Base62(30);
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(random.data()), static_cast<uInt>(random.size())));
  if (!valid_checksum) crc ^= 0x5a5a5a5a;
  return prefix + random + Base62Encode(crc, 6);
}

}  // namespace leakhound::testing
