// `image PATH|REF`: a docker-archive, OCI layout or OCI archive, or an image in a registry.
#include <sys/stat.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/registry_cmd.hpp"
#include "sources/image_source.hpp"

namespace leakhound {

namespace {

// A path, not a registry reference: it starts with /, ./ or ../ (or is . or ..), or exists.
bool IsLocalPath(const std::string& text) {
  struct stat st;
  return text.rfind('/', 0) == 0 || text.rfind("./", 0) == 0 || text.rfind("../", 0) == 0 ||
         text == "." || text == ".." || ::stat(text.c_str(), &st) == 0;
}

}  // namespace

Report RunImage(const RuleSet& rules, const Config& config, const ScanCliOptions& so,
                const ImageCliOptions& io, const RegistryCliOptions& rc,
                const std::string& baseline, std::ostream& err, std::vector<ScanIssue>* missing) {
  auto setup = MakeSetup(config, so, "secrets,hardening");
  ImageOptions options;
  options.image_ref = io.image_ref;
  options.platform = io.platform;
  options.max_archive_depth = io.max_archive_depth;
  if (!io.max_archive_bytes.empty()) options.max_nested_bytes = ParseSize(io.max_archive_bytes);
  options.max_file_size = setup->options.max_file_size;
  std::unique_ptr<ImageSource> image;
  if (IsLocalPath(io.path)) {
    struct stat st;
    if (::stat(io.path.c_str(), &st) != 0)
      throw ConfigError(io.path + ": no such file or directory");
  } else {
    // A registry reference (REGISTRY/REPO:TAG or @sha256:...) when it names no file.
    image = OpenRegistryImage(io.path, rc, options, std::cin);
  }
  if (!image) image = std::make_unique<ImageSource>(io.path, options);
  ImageSource* source = image.get();
  std::vector<std::unique_ptr<Source>> sources;
  sources.push_back(std::move(image));
  Report report = RunSources(rules, *setup, sources, baseline, err, [&](Report* r) {
    // The image hardening checks need every layer's whiteouts: after the scan.
    if (setup->checks.hardening) AddImageCheckFindings(source->HardeningHits(), rules, &r->findings);
    source->Annotate(&r->findings);
  });
  if (source->images() == 0) {
    const std::string why =
        "no image matched" + std::string(io.platform.empty() ? "" : " --platform " + io.platform) +
        (io.image_ref.empty() ? "" : " --image-ref " + io.image_ref);
    if (report.summary.errors.empty()) report.summary.errors.push_back({io.path, why});
    // Nothing was scanned: an error even with --allow-incomplete.
    if (missing)
      missing->push_back({io.path, "no image could be opened (" +
                                       report.summary.errors.front().message + ")"});
  }
  return report;
}

namespace {

int ImageCommand(const RuleOptions& ro, const ScanCliOptions& so, const ImageCliOptions& io,
                 const RegistryCliOptions& rc, std::ostream& out, std::ostream& err) {
  Config config = ResolveConfig(ro);
  auto rules = LoadRuleSet(ro, &config, err);
  // Only --baseline: an image is not a work tree, and nothing inside it is read as config.
  const std::string baseline = DefaultBaseline(so, &config, /*look_in_root=*/false);
  std::vector<ScanIssue> missing;
  Report report = RunImage(*rules, config, so, io, rc, baseline, err, &missing);
  return WriteAndExit(report, *rules, config, so, out, err, missing);
}

}  // namespace

void AddImageCommand(CLI::App* app, CommandTable* commands) {
  struct Options {
    RuleOptions ro;
    ScanCliOptions so;
    ImageCliOptions io;
    RegistryCliOptions rc;
  };
  auto o = std::make_shared<Options>();
  RuleOptions& ro = o->ro;
  ScanCliOptions& so = o->so;
  ImageCliOptions& io = o->io;
  RegistryCliOptions& rc = o->rc;
  auto* image = app->add_subcommand(
      "image", "Scan a container image: docker-archive, OCI layout or OCI archive; config, "
               "history and every layer, including files deleted by later layers");
  image->add_option("path", io.path,
                    "docker save tarball, OCI layout directory, OCI archive, or a registry "
                    "reference REGISTRY/REPO[:TAG|@sha256:...]")
      ->required()->type_name("PATH|REF");
  image->footer(
      "Examples:\n"
      "  leakhound image app.tar --fail-on high            # docker save app:1.4 -o app.tar\n"
      "  leakhound image app-oci --platform linux/arm64     # an OCI layout directory\n"
      "  leakhound image app.tar --format sarif -o image.sarif\n"
      "  leakhound image registry.example.com/team/app:1.2  # straight from a registry");
  image->add_option("--image-ref", io.image_ref,
                    "Only the image with this reference (name:tag, or :tag) when there are several")
      ->type_name("REF")->group("Image");
  image->add_option("--platform", io.platform, "Only this platform, e.g. linux/amd64 (default: all)")
      ->type_name("OS/ARCH")->group("Image");
  image->add_option("--max-archive-depth", io.max_archive_depth,
                    "Open archives nested in layers (jar, zip, whl, tar.gz...) this deep (default 2)")
      ->check(CLI::Range(0, 8))->group("Image");
  image->add_option("--max-archive-bytes", io.max_archive_bytes,
                    "Bytes one nested archive may expand to; past it the rest is skipped with a "
                    "warning (default 512MB)")
      ->type_name("SIZE")->group("Image");
  AddRuleOptions(image, &ro);
  AddScanOptions(image, &so, true, false);
  AddRegistryCliOptions(image, &rc);
  commands->Add(image, [o](std::ostream& out, std::ostream& err) {
    return ImageCommand(o->ro, o->so, o->io, o->rc, out, err);
  });
}

}  // namespace leakhound
