// Layer streams: gzip (ISA-L) and zstd decompressed on a prefetch thread, plain tars passed
// through; multi-member gzip and multi-frame zstd; truncated and corrupt input are errors; the
// wrapped reader's Finish is still called; a reader dropped half-way stops its thread; bytes
// lent by Borrow() are those Read() gives; a gzip magic split across reads is still found.
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "sources/layer_readers.hpp"

using namespace leakhound;

namespace {

struct MemReader : ByteReader {
  std::string data;
  size_t pos = 0, step;
  bool* finished;
  MemReader(std::string d, bool* fin, size_t s = 7001) : data(std::move(d)), step(s), finished(fin) {}
  int64_t Read(char* buf, size_t n, std::string*) override {
    const size_t k = std::min({n, step, data.size() - pos});
    std::copy_n(data.data() + pos, k, buf);
    pos += k;
    return static_cast<int64_t>(k);
  }
  bool Finish(std::string* error) override {
    if (finished) *finished = true;
    return true;
  }
};

std::string Gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string Text(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n);
  while (s.size() < n) s += "line " + std::to_string(rng() % 100000) + " of some layer file\n";
  s.resize(n);
  return s;
}

// Reads a stream to its end with odd-sized reads; false (and the error) on a failure.
bool ReadAll(ByteReader& r, std::string* out, std::string* error) {
  char buf[3333];
  for (;;) {
    const int64_t n = r.Read(buf, sizeof(buf), error);
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

TEST_CASE("Layer streams decompress gzip and zstd, members and frames in sequence") {
  const std::string a = Text(3 << 20, 1), b = Text(100000, 2);
  struct Case {
    const char* what;
    std::string blob;
    bool compressed;
  };
  const Case cases[] = {
#ifdef LEAKHOUND_HAVE_ISAL
      {"gzip, two members", Gzip(a) + Gzip(b), true},
#endif
      {"zstd, two frames", Zstd(a) + Zstd(b), true},
      {"plain", a + b, false},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    bool finished = false, compressed = false;
    std::string error, out;
    auto r = OpenLayerStream(std::make_unique<MemReader>(c.blob, &finished), &error, &compressed);
    REQUIRE(r);
    CHECK(compressed == c.compressed);
    REQUIRE(ReadAll(*r, &out, &error));
    CHECK(out.size() == a.size() + b.size());
    CHECK(out == a + b);
    CHECK(r->Finish(&error));
    CHECK(finished);  // the raw reader's check (a registry blob's digest) still runs
  }
}

TEST_CASE("Layer streams: truncated or corrupt input is an error, not a short stream") {
  const std::string a = Text(1 << 20, 3);
  std::vector<std::pair<const char*, std::string>> bad = {
      {"zstd cut in half", Zstd(a).substr(0, Zstd(a).size() / 2)},
  };
#ifdef LEAKHOUND_HAVE_ISAL
  bad.push_back({"gzip cut in half", Gzip(a).substr(0, Gzip(a).size() / 2)});
  std::string flipped = Gzip(a);
  flipped[flipped.size() / 2] ^= 0x55;
  flipped[flipped.size() / 2 + 1] ^= 0x55;
  bad.push_back({"gzip with flipped bytes", flipped});
#endif
  std::string zflipped = Zstd(a);
  zflipped[zflipped.size() / 2] ^= 0x55;
  bad.push_back({"zstd with flipped bytes", zflipped});
  for (const auto& [what, blob] : bad) {
    INFO(what);
    std::string error, out;
    auto r = OpenLayerStream(std::make_unique<MemReader>(blob, nullptr), &error);
    REQUIRE(r);
    CHECK_FALSE(ReadAll(*r, &out, &error));
    CHECK(!error.empty());
  }
}

TEST_CASE("A layer stream dropped half-way stops its prefetch thread") {
  const std::string blob = Zstd(Text(16 << 20, 4));
  for (int i = 0; i < 20; ++i) {
    std::string error;
    auto r = OpenLayerStream(std::make_unique<MemReader>(blob, nullptr), &error);
    REQUIRE(r);
    char buf[4096];
    CHECK(r->Read(buf, sizeof(buf), &error) > 0);
    r.reset();  // joins the producer, which is blocked on a full queue
  }
}

namespace {

// Hands out `data` in pieces of the given sizes (the last one repeats).
struct PieceReader : ByteReader {
  std::string data;
  std::vector<size_t> pieces;
  size_t pos = 0, next = 0;
  PieceReader(std::string d, std::vector<size_t> p) : data(std::move(d)), pieces(std::move(p)) {}
  int64_t Read(char* buf, size_t n, std::string*) override {
    const size_t piece = pieces[std::min(next++, pieces.size() - 1)];
    const size_t k = std::min({n, piece, data.size() - pos});
    std::copy_n(data.data() + pos, k, buf);
    pos += k;
    return static_cast<int64_t>(k);
  }
};

// Reads a stream to its end through Borrow(), as libarchive's feed does.
bool BorrowAll(ByteReader& r, std::string* out, std::string* error) {
  for (;;) {
    const char* data = nullptr;
    const int64_t n = r.Borrow(&data, error);
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(data, static_cast<size_t>(n));
  }
}

}  // namespace

TEST_CASE("Layer streams lend their bytes: Borrow() gives what Read() gives, chunk after chunk") {
  // Several prefetch chunks (1 MiB each, 4 ahead): chunks read to the end are filled again.
  const std::string a = Text(9 << 20, 5), b = Text(70000, 6);
  std::vector<std::pair<const char*, std::string>> cases = {
      {"zstd", Zstd(a) + Zstd(b)}, {"plain", a + b}};
#ifdef LEAKHOUND_HAVE_ISAL
  cases.push_back({"gzip", Gzip(a) + Gzip(b)});
#endif
  for (const auto& [what, blob] : cases) {
    INFO(what);
    std::string error, out;
    auto r = OpenLayerStream(std::make_unique<MemReader>(blob, nullptr), &error);
    REQUIRE(r);
    REQUIRE(BorrowAll(*r, &out, &error));
    CHECK(out.size() == a.size() + b.size());
    CHECK(out == a + b);
  }
  // A prefetched stream read both ways in turn.
  std::string error, out;
  auto r = Prefetch(std::make_unique<MemReader>(a, nullptr), 4096, 3);
  char buf[1000];
  for (bool borrow = false;; borrow = !borrow) {
    const char* data = buf;
    const int64_t n = borrow ? r->Borrow(&data, &error) : r->Read(buf, sizeof(buf), &error);
    REQUIRE(n >= 0);
    if (n == 0) break;
    out.append(data, static_cast<size_t>(n));
  }
  CHECK(out == a);
}

#ifdef LEAKHOUND_HAVE_ISAL
TEST_CASE("A gzip member's magic split across two reads still starts the next member") {
  const std::string a = Text(200000, 7), b = Text(5000, 8);
  const std::string ga = Gzip(a), gb = Gzip(b);
  // The first read ends one byte into the second member (only 0x1f of its magic), or right
  // at the boundary, or one byte before it; then small reads, then single bytes.
  for (const size_t first : {ga.size() + 1, ga.size(), ga.size() - 1, ga.size() + 2}) {
    for (const size_t then : {size_t{1}, size_t{3}, size_t{65536}}) {
      INFO("first read " << first << " of " << ga.size() << ", then " << then);
      std::string error, out;
      auto r = OpenLayerStream(std::make_unique<PieceReader>(ga + gb, std::vector<size_t>{first, then}),
                               &error);
      REQUIRE(r);
      REQUIRE(ReadAll(*r, &out, &error));
      CHECK(out.size() == a.size() + b.size());
      CHECK(out == a + b);
    }
  }
}
#endif
