// Command-line glue for registries: the transport and auth flags shared by `image REF` and
// `registry URL`, and the `registry` and `report merge` commands' options.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "sources/image_source.hpp"
#include "registry/registry.hpp"
#include "registry/registry_audit.hpp"
#include "leakhound/report.hpp"

namespace leakhound {

struct RegistryCliOptions {
  std::string username;
  bool password_stdin = false;
  std::string ca_cert;
  bool insecure = false;
  bool plain_http = false;
  int retries = 5;
};

void AddRegistryCliOptions(CLI::App* cmd, RegistryCliOptions* o);
// Reads the password from `in` when --password-stdin. Throws ConfigError on bad combinations.
RegistryOptions MakeRegistryOptions(const RegistryCliOptions& o, std::istream& in);

// `image REF`: when `text` is not a file and parses as a registry reference, an ImageSource over
// the registry (an image that cannot be resolved is a scan error); else null.
std::unique_ptr<ImageSource> OpenRegistryImage(const std::string& text, const RegistryCliOptions& o,
                                               const ImageOptions& options, std::istream& in);

// `registry URL` flags (audit scope, state, sharding) into `o`.
struct AuditCliOptions {
  AuditOptions audit;
  std::string shard;  // "I/N"
  std::string max_in_flight;
};
void AddAuditCliOptions(CLI::App* cmd, AuditCliOptions* o);
// Applies the string-valued flags (shard, sizes, JOB_COMPLETION_INDEX). Throws ConfigError.
void FinishAuditOptions(AuditCliOptions* o);

// `report merge`: JSON reports (from shards) into one, findings de-duplicated by fingerprint and
// their locations united. Throws ConfigError naming a file that is not a leakhound JSON report.
std::string MergeJsonReports(const std::vector<std::string>& files);

}  // namespace leakhound
