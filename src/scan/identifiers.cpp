#include "scan/identifiers.hpp"

#include <algorithm>
#include <string_view>

namespace leakhound {
namespace {

std::string_view Provider(const Rule& rule) {
  const std::string_view id = rule.id;
  return id.substr(0, id.find('.'));
}

}  // namespace

void AttachIdentifiers(const RuleSet& rules, std::vector<Match>* matches) {
  std::vector<Match> identifiers;
  size_t w = 0;
  for (size_t i = 0; i < matches->size(); ++i) {
    Match& m = (*matches)[i];
    if (rules.rule(m.rule).IsIdentifier()) {
      identifiers.push_back(std::move(m));
    } else {
      if (w != i) (*matches)[w] = std::move(m);
      ++w;
    }
  }
  if (identifiers.empty()) return;
  matches->resize(w);
  std::stable_sort(identifiers.begin(), identifiers.end(),
                   [](const Match& a, const Match& b) { return a.line < b.line; });
  for (auto& m : *matches) {
    const Rule& rule = rules.rule(m.rule);
    if (m.about_name || rule.HasTag("hardening")) continue;
    const std::string_view provider = Provider(rule);
    const bool generic_secret = rule.HasTag("generic") || provider == "generic";
    const uint64_t lo = m.line > kContextLines ? m.line - kContextLines : 0;
    auto it = std::lower_bound(identifiers.begin(), identifiers.end(), lo,
                               [](const Match& a, uint64_t line) { return a.line < line; });
    // (another provider's or generic: 1, the secret's own provider: 0; distance), identifier
    std::vector<std::pair<std::pair<int, uint64_t>, const Match*>> near;
    for (; it != identifiers.end() && it->line <= m.line + kContextLines; ++it) {
      const Rule& id_rule = rules.rule(it->rule);
      const std::string_view id_provider = Provider(id_rule);
      if (!generic_secret && id_provider != provider && id_provider != "generic") continue;
      if (it->secret.Reveal() == m.secret.Reveal()) continue;  // the secret itself
      const uint64_t distance = it->line > m.line ? it->line - m.line : m.line - it->line;
      near.push_back({{id_provider == provider ? 0 : 1, distance}, &*it});
    }
    std::stable_sort(near.begin(), near.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<ContextItem> items;
    for (const auto& [rank, id] : near) {
      ContextItem c;
      c.rule = id->rule;
      c.value = std::string(id->secret.Reveal());
      c.line = id->line;
      items.push_back(std::move(c));
    }
    MergeContext(&m.context, items);
  }
}

void MergeContext(std::vector<ContextItem>* context, const std::vector<ContextItem>& more) {
  for (const auto& c : more) {
    if (context->size() >= kMaxContext) return;
    if (std::find(context->begin(), context->end(), c) == context->end()) context->push_back(c);
  }
}

}  // namespace leakhound
