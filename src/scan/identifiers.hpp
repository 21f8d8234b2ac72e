// Identifiers as context: the matches of rules tagged `identifier` (account ids, tenant ids,
// client ids, user names) are not findings; they are attached to the secrets found near them,
// so a report says whose secret it is (the client id beside the client secret).
#pragma once

#include <vector>

#include "leakhound/finding.hpp"
#include "leakhound/ruleset.hpp"

namespace leakhound {

// How many lines away from a secret an identifier still counts as its context.
constexpr uint64_t kContextLines = 10;
// How many identifiers one match or finding carries at most.
constexpr size_t kMaxContext = 8;

// Moves the matches of identifier rules out of `matches` (one blob's) into the `context` of
// the other matches within kContextLines lines: identifiers of the secret's own provider (the
// first part of the rule id: `azure.client_id` for `azure.client_secret`) or generic ones
// (`generic.username`); a generic secret takes any. The secret's own provider's first, then
// the nearest first; at most kMaxContext.
void AttachIdentifiers(const RuleSet& rules, std::vector<Match>* matches);

// Adds `more` to `context` (no repeats, at most kMaxContext).
void MergeContext(std::vector<ContextItem>* context, const std::vector<ContextItem>& more);

}  // namespace leakhound
