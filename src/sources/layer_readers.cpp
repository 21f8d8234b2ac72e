#include "sources/layer_readers.hpp"

#ifdef LEAKHOUND_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <zstd.h>

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace leakhound {
namespace {

#ifdef LEAKHOUND_HAVE_ISAL
// gzip (one or more members) inflated with ISA-L, about twice zlib's speed here.
class GunzipReader : public ByteReader {
 public:
  GunzipReader(std::unique_ptr<ByteReader> in, std::string prefix)
      : in_(std::move(in)), input_(std::move(prefix)) {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
    state_.next_in = reinterpret_cast<uint8_t*>(input_.data());
    state_.avail_in = static_cast<uint32_t>(input_.size());
  }

  int64_t Read(char* buf, size_t n, std::string* error) override {
    if (done_) return 0;
    state_.next_out = reinterpret_cast<uint8_t*>(buf);
    state_.avail_out = static_cast<uint32_t>(std::min<size_t>(n, 1u << 30));
    const uint32_t want = state_.avail_out;
    while (state_.avail_out == want) {
      if (!Refill(error)) return -1;
      const int rc = isal_inflate(&state_);
      if (rc != ISAL_DECOMP_OK) {
        *error = "corrupt gzip data (ISA-L code " + std::to_string(rc) + ")";
        return -1;
      }
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        // End of a member: another may follow (gzip allows concatenation); anything else that
        // follows (zero padding) ends the stream.
        if (!RefillTo(2, error)) return -1;
        if (state_.avail_in < 2 || state_.next_in[0] != 0x1f || state_.next_in[1] != 0x8b) {
          done_ = true;
          break;
        }
        uint8_t* next = state_.next_in;
        const uint32_t avail = state_.avail_in;
        isal_inflate_reset(&state_);
        state_.crc_flag = ISAL_GZIP;
        state_.next_in = next;
        state_.avail_in = avail;
        continue;
      }
      if (eof_ && state_.avail_in == 0 && state_.avail_out == want) {
        *error = "truncated gzip input";
        return -1;
      }
    }
    return static_cast<int64_t>(want - state_.avail_out);
  }

  bool Finish(std::string* error) override { return in_->Finish(error); }

 private:
  // Points the decoder at more compressed input (borrowed, not copied) when the last is used
  // up; false on a read error.
  bool Refill(std::string* error) {
    if (state_.avail_in != 0 || eof_) return true;
    const char* data = nullptr;
    const int64_t got = in_->Borrow(&data, error);
    if (got < 0) return false;
    eof_ = got == 0;
    state_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data));
    state_.avail_in = static_cast<uint32_t>(got);
    return true;
  }
  // At least `n` bytes of input (fewer only at the end): the next gzip member's magic may
  // straddle two reads. What is left is copied in front of the next read.
  bool RefillTo(uint32_t n, std::string* error) {
    if (!Refill(error)) return false;
    while (state_.avail_in < n && !eof_) {
      std::string joined(reinterpret_cast<const char*>(state_.next_in), state_.avail_in);
      const char* data = nullptr;
      const int64_t got = in_->Borrow(&data, error);
      if (got < 0) return false;
      eof_ = got == 0;
      joined.append(data, static_cast<size_t>(std::max<int64_t>(got, 0)));
      input_ = std::move(joined);
      state_.next_in = reinterpret_cast<uint8_t*>(input_.data());
      state_.avail_in = static_cast<uint32_t>(input_.size());
    }
    return true;
  }

  std::unique_ptr<ByteReader> in_;
  std::string input_;
  inflate_state state_;
  bool eof_ = false;
  bool done_ = false;
};
#endif

// zstd (one or more frames) with libzstd's streaming decoder.
class ZstdReader : public ByteReader {
 public:
  ZstdReader(std::unique_ptr<ByteReader> in, std::string prefix)
      : in_(std::move(in)), input_(std::move(prefix)), dctx_(ZSTD_createDCtx()) {
    // The window a frame may ask for is capped (zstd's default limit, 128 MiB): a hostile blob
    // cannot make us allocate more.
    ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, 27);
    pos_.src = input_.data();
    pos_.size = input_.size();
    pos_.pos = 0;
  }
  ~ZstdReader() override { ZSTD_freeDCtx(dctx_); }

  int64_t Read(char* buf, size_t n, std::string* error) override {
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0) {
      if (pos_.pos == pos_.size) {
        if (eof_) {
          if (!frame_done_) {
            *error = "truncated zstd input";
            return -1;
          }
          return 0;
        }
        const char* data = nullptr;
        const int64_t got = in_->Borrow(&data, error);
        if (got < 0) return -1;
        eof_ = got == 0;
        pos_.src = data;
        pos_.size = static_cast<size_t>(got);
        pos_.pos = 0;
        continue;
      }
      const size_t rc = ZSTD_decompressStream(dctx_, &out, &pos_);
      if (ZSTD_isError(rc)) {
        *error = std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc);
        return -1;
      }
      frame_done_ = rc == 0;
    }
    return static_cast<int64_t>(out.pos);
  }

  bool Finish(std::string* error) override { return in_->Finish(error); }

 private:
  std::unique_ptr<ByteReader> in_;
  std::string input_;
  ZSTD_DCtx* dctx_;
  ZSTD_inBuffer pos_{};
  bool eof_ = false;
  bool frame_done_ = true;  // an empty input is an empty stream
};

// The first bytes, already read to sniff the format, then the rest.
class PrefixedReader : public ByteReader {
 public:
  PrefixedReader(std::unique_ptr<ByteReader> rest, std::string prefix)
      : rest_(std::move(rest)), prefix_(std::move(prefix)) {}
  int64_t Read(char* buf, size_t n, std::string* error) override {
    if (!prefix_.empty()) {
      const size_t k = std::min(n, prefix_.size());
      std::memcpy(buf, prefix_.data(), k);
      prefix_.erase(0, k);
      return static_cast<int64_t>(k);
    }
    return rest_->Read(buf, n, error);
  }
  int64_t Borrow(const char** data, std::string* error) override {
    if (!prefix_.empty()) return ByteReader::Borrow(data, error);
    return rest_->Borrow(data, error);
  }
  bool Finish(std::string* error) override { return rest_->Finish(error); }

 private:
  std::unique_ptr<ByteReader> rest_;
  std::string prefix_;
};

class PrefetchReader : public ByteReader {
 public:
  PrefetchReader(std::unique_ptr<ByteReader> inner, size_t chunk, size_t depth, const char* name)
      : inner_(std::move(inner)), chunk_(chunk), depth_(std::max<size_t>(depth, 1)) {
    thread_ = std::thread([this, name] {
      ::pthread_setname_np(::pthread_self(), name);
      Produce();
    });
  }
  ~PrefetchReader() override { Stop(); }

  int64_t Read(char* buf, size_t n, std::string* error) override {
    const int64_t ready = Next(error);
    if (ready <= 0) return ready;
    const size_t k = std::min(n, current_.size - offset_);
    std::memcpy(buf, current_.bytes.data() + offset_, k);
    offset_ += k;
    return static_cast<int64_t>(k);
  }

  // The rest of the current chunk, in place.
  int64_t Borrow(const char** data, std::string* error) override {
    const int64_t ready = Next(error);
    if (ready <= 0) return ready;
    *data = current_.bytes.data() + offset_;
    const size_t k = current_.size - offset_;
    offset_ = current_.size;
    return static_cast<int64_t>(k);
  }

  bool Finish(std::string* error) override {
    Stop();
    return inner_->Finish(error);
  }
  bool BadBytes() const override { return inner_->BadBytes(); }

 private:
  struct Chunk {
    std::string bytes;  // up to chunk_ long; the first `size` hold data
    size_t size = 0;
  };

  // Makes sure the current chunk has unread bytes: 1, or 0 at the end, -1 on an error. A chunk
  // read to its end goes back to the producer, which fills it again (no allocation, no zeroing,
  // no fresh pages per chunk).
  int64_t Next(std::string* error) {
    while (offset_ == current_.size) {
      std::unique_lock<std::mutex> lock(mu_);
      if (!current_.bytes.empty()) spare_.push_back(std::move(current_.bytes));
      current_ = Chunk{};
      offset_ = 0;
      ready_.wait(lock, [&] { return !queue_.empty() || ended_; });
      if (queue_.empty()) {  // the producer is done
        if (!error_.empty()) {
          *error = error_;
          return -1;
        }
        return 0;
      }
      current_ = std::move(queue_.front());
      queue_.pop_front();
      space_.notify_one();
    }
    return 1;
  }

  void Produce() {
    for (;;) {
      Chunk chunk;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!spare_.empty()) {
          chunk.bytes = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      // Chunks start small and double up to chunk_: most layers are small, and a new chunk is
      // zeroed and faulted in once.
      const size_t want = std::min(chunk_, grow_);
      grow_ = std::min(chunk_, grow_ * 2);
      if (chunk.bytes.size() < want) chunk.bytes.resize(want);
      std::string error;
      int64_t got = 0;
      // Fill whole chunks (decoders return less than asked near block ends).
      while (chunk.size < want &&
             (got = inner_->Read(chunk.bytes.data() + chunk.size, want - chunk.size, &error)) > 0)
        chunk.size += static_cast<size_t>(got);
      std::unique_lock<std::mutex> lock(mu_);
      space_.wait(lock, [&] { return queue_.size() < depth_ || stop_; });
      if (stop_) break;
      if (chunk.size > 0) queue_.push_back(std::move(chunk));
      if (got <= 0) {
        if (got < 0) error_ = error.empty() ? "read error" : error;
        break;
      }
      ready_.notify_one();
    }
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    ready_.notify_all();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      space_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<ByteReader> inner_;
  const size_t chunk_, depth_;
  size_t grow_ = 64 << 10;  // the producer's next chunk size, up to chunk_
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<Chunk> queue_;
  std::vector<std::string> spare_;  // chunks read to the end, for the producer to fill again
  std::string error_;
  bool ended_ = false, stop_ = false;
  Chunk current_;  // the reader's
  size_t offset_ = 0;
};

}  // namespace

std::unique_ptr<ByteReader> Prefetch(std::unique_ptr<ByteReader> inner, size_t chunk,
                                     size_t depth, const char* name) {
  return std::make_unique<PrefetchReader>(std::move(inner), chunk, depth, name);
}

std::unique_ptr<ByteReader> OpenLayerStream(std::unique_ptr<ByteReader> raw, std::string* error,
                                            bool* compressed) {
  if (compressed) *compressed = false;
  std::string head(4, '\0');
  size_t got = 0;
  while (got < head.size()) {
    const int64_t r = raw->Read(head.data() + got, head.size() - got, error);
    if (r < 0) return nullptr;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  head.resize(got);
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
#ifdef LEAKHOUND_HAVE_ISAL
  if (head.size() >= 2 && byte(0) == 0x1f && byte(1) == 0x8b) {
    if (compressed) *compressed = true;
    return Prefetch(std::make_unique<GunzipReader>(std::move(raw), std::move(head)));
  }
#endif
  if (head.size() == 4 && byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f && byte(3) == 0xfd) {
    if (compressed) *compressed = true;
    return Prefetch(std::make_unique<ZstdReader>(std::move(raw), std::move(head)));
  }
  return std::make_unique<PrefixedReader>(std::move(raw), std::move(head));
}

}  // namespace leakhound
