#include "base/yaml_safe.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <string>

namespace leakhound {
namespace {

// Counts events; throws past the budget. Real YAML has well under one event per byte (each
// needs at least a token), so 4 per byte plus a constant is generous.
class EventBudget : public YAML::EventHandler {
 public:
  explicit EventBudget(size_t budget) : budget_(budget) {}
  void OnDocumentStart(const YAML::Mark& m) override { Tick(m); }
  void OnDocumentEnd() override { Tick(last_); }
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { Tick(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { Tick(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Tick(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Tick(m);
  }
  void OnSequenceEnd() override { Tick(last_); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Tick(m);
  }
  void OnMapEnd() override { Tick(last_); }

 private:
  void Tick(const YAML::Mark& m) {
    last_ = m;
    if (++events_ > budget_)
      throw YAML::ParserException(m, "malformed YAML: the parser does not make progress");
  }
  size_t budget_, events_ = 0;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

void CheckBudget(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  EventBudget budget(4 * text.size() + 64);
  while (parser.HandleNextDocument(budget)) {
  }
}

}  // namespace

std::vector<YAML::Node> SafeLoadAll(std::string_view text) {
  CheckBudget(text);
  return YAML::LoadAll(std::string(text));
}

YAML::Node SafeLoad(std::string_view text) {
  CheckBudget(text);
  return YAML::Load(std::string(text));
}

}  // namespace leakhound
