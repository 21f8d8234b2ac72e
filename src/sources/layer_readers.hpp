// Byte streams for image layers: decompression outside libarchive, on a thread of its own.
//
// A layer blob is gzip, zstd or a plain tar. Inflating it is most of the cost of scanning an
// image, and a single big layer (a base OS, an application tree) is a sequential stream, so the
// only way to use a second core on it is a pipeline: one thread decompresses while another walks
// the tar and scans the files. OpenLayerStream sniffs the blob's magic bytes, decompresses gzip
// with ISA-L (when built in) and zstd with libzstd, and runs that on a prefetch thread that
// hands 1 MiB chunks to the reader through a small bounded queue. libarchive then only parses
// the tar. A blob with no known magic is passed through as is (libarchive's own filters still
// apply to it).
#pragma once

#include <memory>
#include <string>

#include "sources/image_store.hpp"

namespace leakhound {

// Wraps `raw` (the blob's bytes) as described above. Returns null with `error` set when the
// first bytes cannot be read. `compressed` (optional) says whether a decompressor was put in.
std::unique_ptr<ByteReader> OpenLayerStream(std::unique_ptr<ByteReader> raw, std::string* error,
                                            bool* compressed = nullptr);

// Runs `inner` on a thread of its own (named `name`, as `top -H` shows it), `depth` chunks of
// `chunk` bytes ahead of the reader. Finish() stops the thread, then calls inner's Finish (a
// registry blob checks its digest).
std::unique_ptr<ByteReader> Prefetch(std::unique_ptr<ByteReader> inner, size_t chunk = 1 << 20,
                                     size_t depth = 4, const char* name = "lh-inflate");

}  // namespace leakhound
