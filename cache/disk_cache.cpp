#include "cache/disk_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

namespace kiln::cache {

namespace {

constexpr char kMagic[8] = {'K', 'I', 'L', 'N', 'C', 'A', 'C', 'H'};
constexpr size_t kHeaderSize = 64;
constexpr const char* kEntrySuffix = ".kc";
constexpr const char* kHitsSuffix = ".hits";
constexpr const char* kTempPrefix = ".tmp.";
// Temporary files older than this belong to a writer that died; pruning removes them.
constexpr int64_t kAbandonedSeconds = 600;
// Eviction goes down to this fraction of the cap, so that it does not run at every store.
constexpr double kLowWater = 0.8;

// Kinds of warnings, each printed once per cache.
enum WarnKind { kWarnWrite, kWarnEntry, kWarnRefused, kWarnIo, kWarnCount };

struct Header {
  uint32_t version = 0;
  Key key;
  uint32_t meta_size = 0;
  uint64_t ir_size = 0;
  uint64_t payload_size = 0;
  uint64_t checksum = 0;
};

void put32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}
void put64(uint8_t* p, uint64_t v) {
  std::memcpy(p, &v, 8);
}
uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t get64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Header layout (little-endian): magic[8] version:u32 header_size:u32 key.lo:u64 key.hi:u64
// meta_size:u32 reserved:u32 ir_size:u64 payload_size:u64 checksum:u64. The checksum is XXH3-64
// of the first 56 header bytes, the meta, the IR and the payload.
void encode_header(const Header& h, uint8_t* out) {
  std::memset(out, 0, kHeaderSize);
  std::memcpy(out, kMagic, 8);
  put32(out + 8, h.version);
  put32(out + 12, kHeaderSize);
  put64(out + 16, h.key.lo);
  put64(out + 24, h.key.hi);
  put32(out + 32, h.meta_size);
  put64(out + 40, h.ir_size);
  put64(out + 48, h.payload_size);
  put64(out + 56, h.checksum);
}

uint64_t checksum(const uint8_t* header, std::span<const uint8_t> meta, std::span<const uint8_t> ir,
                  std::span<const uint8_t> payload) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, header, kHeaderSize - 8);
  XXH3_64bits_update(&state, meta.data(), meta.size());
  XXH3_64bits_update(&state, ir.data(), ir.size());
  XXH3_64bits_update(&state, payload.data(), payload.size());
  return XXH3_64bits_digest(&state);
}

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_hex_key(std::string_view name) {
  if (name.size() != 32) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<Key> key_from_hex(std::string_view hex) {
  if (!is_hex_key(hex)) return std::nullopt;
  auto half = [](std::string_view h) {
    uint64_t v = 0;
    for (char c : h) v = v << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    return v;
  };
  return Key{half(hex.substr(16)), half(hex.substr(0, 16))};
}

// Creates `path` and its missing parents; the last component 0700, parents 0755 as a shell
// would. Returns errno (0 on success).
int make_directories(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  const size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    const int parent = make_directories(path.substr(0, slash));
    if (parent != 0) return parent;
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return errno;
  return 0;
}

// Reads the whole of `fd` (of `size` bytes). Returns errno, or EIO when it ends early.
// KILN_CACHE_FAULT, for tests of failures a test cannot otherwise cause: "enospc" (writes fail
// as on a full disk), "eio" (reads fail), "stall" (a writer stops halfway through an entry, to
// be killed there).
bool fault(const char* which) {
  const char* f = std::getenv("KILN_CACHE_FAULT");
  return f && std::strcmp(f, which) == 0;
}

// Reads the whole of `fd` (of `size` bytes). Returns errno, or EIO when it ends early.
int read_all(int fd, uint8_t* out, size_t size) {
  if (fault("eio")) return EIO;
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // shrank while we read: treated as an I/O problem, left alone
    done += static_cast<size_t>(n);
  }
  return 0;
}

int write_all(int fd, const uint8_t* data, size_t size) {
  if (fault("enospc")) return ENOSPC;
  const bool stall = fault("stall");
  size_t done = 0;
  while (done < size) {
    size_t limit = size;
    if (stall && done < size / 2)
      limit = size / 2;
    else if (stall)
      ::sleep(60);  // the test kills the writer here
    const ssize_t n = ::write(fd, data + done, limit - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

std::string describe_errno(int e) {
  return std::string(std::strerror(e));
}

int64_t now_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

}  // namespace

// ---- configuration ---------------------------------------------------------------------------

std::string directory_from_environment() {
  const char* off = std::getenv("KILN_CACHE");
  if (off && (std::strcmp(off, "off") == 0 || std::strcmp(off, "0") == 0)) return {};
  if (const char* d = std::getenv("KILN_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/')
    return std::string(x) + "/kiln";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/kiln";
  return {};
}

std::optional<uint64_t> parse_size(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  const std::string number(text.substr(0, i));
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !(value >= 0)) return std::nullopt;
  std::string unit(text.substr(i));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (ends_with(unit, "IB"))
    unit.resize(unit.size() - 2);
  else if (unit.size() == 2 && unit[1] == 'B')
    unit.resize(1);
  double scale = 1;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "K")
    scale = 1024.0;
  else if (unit == "M")
    scale = 1024.0 * 1024;
  else if (unit == "G")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  const double bytes = value * scale;
  if (bytes > 9e18) return std::nullopt;
  return static_cast<uint64_t>(std::llround(bytes));
}

uint64_t max_bytes_from_environment() {
  const char* v = std::getenv("KILN_CACHE_MAX_SIZE");
  if (!v || !*v) return kDefaultMaxBytes;
  if (auto bytes = parse_size(v)) return *bytes;
  std::fprintf(stderr,
               "kiln: warning: KILN_CACHE_MAX_SIZE=\"%s\" is not a size (examples: 2G, 500M, "
               "1048576); using 2G\n",
               v);
  return kDefaultMaxBytes;
}

std::string_view to_string(EntryStatus s) {
  switch (s) {
    case EntryStatus::ok:
      return "ok";
    case EntryStatus::missing:
      return "missing";
    case EntryStatus::refused:
      return "refused";
    case EntryStatus::io_error:
      return "io-error";
    case EntryStatus::corrupt:
      return "corrupt";
    case EntryStatus::foreign:
      return "foreign";
    case EntryStatus::mismatch:
      return "mismatch";
  }
  return "?";
}

// ---- the cache -------------------------------------------------------------------------------

struct DiskCache::State {
  std::mutex mutex;  // guards the fields below
  bool writable = true;
  bool warned[kWarnCount] = {};
  std::optional<uint64_t> total;  // bytes in the directory as last counted, plus our stores
  std::atomic<uint64_t> temp_counter{0};
};

std::unique_ptr<DiskCache> DiskCache::open(const std::string& dir, uint64_t max_bytes, Warn warn) {
  auto refuse = [&](const std::string& why) -> std::unique_ptr<DiskCache> {
    if (warn)
      warn("kernel cache directory " + dir + " " + why + "; kernels are kept in memory only");
    return nullptr;
  };
  if (dir.empty()) return nullptr;
  if (const int e = make_directories(dir); e != 0)
    return refuse("cannot be created (" + describe_errno(e) + ")");
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    return refuse("cannot be read (" + describe_errno(errno) + ")");
  if (!S_ISDIR(st.st_mode)) return refuse("is not a directory");
  if (st.st_uid != ::geteuid())
    return refuse("belongs to user id " + std::to_string(st.st_uid) +
                  ", not to this user: it would run another user's code");
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return refuse(std::string("is writable by group or others (mode ") + mode +
                  "): others could plant code in it; chmod 700 it");
  }
  const bool writable = ::access(dir.c_str(), W_OK) == 0;
  std::unique_ptr<DiskCache> cache(new DiskCache(dir, max_bytes, std::move(warn), writable));
  if (!writable)
    cache->warn_once(kWarnWrite, "kernel cache directory " + dir +
                                     " is read-only: cached kernels are used, new ones are kept "
                                     "in memory only");
  return cache;
}

DiskCache::DiskCache(std::string dir, uint64_t max_bytes, Warn warn, bool writable)
    : dir_(std::move(dir)),
      max_bytes_(max_bytes),
      warn_(std::move(warn)),
      state_(std::make_unique<State>()) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  state_->writable = writable;
}

DiskCache::~DiskCache() = default;

void DiskCache::warn_once(int kind, const std::string& message) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->warned[kind]) return;
    state_->warned[kind] = true;
  }
  if (warn_) warn_(message);
}

std::string DiskCache::entry_path(const Key& key) const {
  const std::string hex = key.hex();
  return dir_ + "/" + hex.substr(0, 2) + "/" + hex + kEntrySuffix;
}

EntryStatus DiskCache::read(const std::string& path, EntryData& out) const {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return EntryStatus::missing;
    if (errno == ELOOP) return EntryStatus::refused;  // a symbolic link
    return EntryStatus::io_error;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return EntryStatus::io_error;
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return EntryStatus::refused;
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < kHeaderSize) return EntryStatus::corrupt;
  std::vector<uint8_t> bytes(size);
  if (read_all(fd, bytes.data(), bytes.size()) != 0) return EntryStatus::io_error;
  const size_t slash = path.find_last_of('/');
  return parse_entry(bytes, path.substr(slash + 1), out);
}

EntryStatus parse_entry(std::span<const uint8_t> bytes, std::string_view name, EntryData& out) {
  const uint64_t size = bytes.size();
  if (size < kHeaderSize) return EntryStatus::corrupt;
  const uint8_t* h = bytes.data();
  if (std::memcmp(h, kMagic, 8) != 0) return EntryStatus::corrupt;
  if (get32(h + 8) != kEntryFormatVersion) return EntryStatus::foreign;
  if (get32(h + 12) != kHeaderSize) return EntryStatus::corrupt;
  Header hd;
  hd.key = {get64(h + 16), get64(h + 24)};
  hd.meta_size = get32(h + 32);
  hd.ir_size = get64(h + 40);
  hd.payload_size = get64(h + 48);
  hd.checksum = get64(h + 56);
  // Sizes first, without overflow: a flipped size bit must not send us past the buffer.
  const uint64_t body = size - kHeaderSize;
  if (hd.meta_size > body || hd.ir_size > body - hd.meta_size ||
      hd.payload_size != body - hd.meta_size - hd.ir_size)
    return EntryStatus::corrupt;
  const std::span<const uint8_t> meta(h + kHeaderSize, hd.meta_size);
  const std::span<const uint8_t> ir(meta.data() + meta.size(), hd.ir_size);
  const std::span<const uint8_t> payload(ir.data() + ir.size(), hd.payload_size);
  if (checksum(h, meta, ir, payload) != hd.checksum) return EntryStatus::corrupt;
  // The file name must be the key it holds (an entry copied or swapped onto another name).
  if (!ends_with(name, kEntrySuffix) ||
      name.substr(0, name.size() - std::strlen(kEntrySuffix)) != hd.key.hex())
    return EntryStatus::corrupt;
  out.key = hd.key;
  out.meta.assign(reinterpret_cast<const char*>(meta.data()), meta.size());
  out.ir.assign(ir.begin(), ir.end());
  out.payload.assign(payload.begin(), payload.end());
  return EntryStatus::ok;
}

std::optional<std::vector<uint8_t>> DiskCache::load(const Key& key, std::string_view meta,
                                                    std::span<const uint8_t> ir) {
  const std::string path = entry_path(key);
  EntryData e;
  EntryStatus s = read(path, e);
  if (s == EntryStatus::ok && (e.key != key || e.meta != meta ||
                               !std::equal(e.ir.begin(), e.ir.end(), ir.begin(), ir.end())))
    s = EntryStatus::mismatch;
  switch (s) {
    case EntryStatus::ok:
      note_hit(path);
      return std::move(e.payload);
    case EntryStatus::missing:
      return std::nullopt;
    case EntryStatus::refused:
      warn_once(kWarnRefused, "refusing kernel cache entry " + path +
                                  ": it is not a regular file owned by this user and private to "
                                  "it (it holds executable code); compiling instead");
      return std::nullopt;
    case EntryStatus::io_error:
      warn_once(kWarnIo, "cannot read kernel cache entry " + path + "; compiling instead");
      return std::nullopt;
    case EntryStatus::corrupt:
    case EntryStatus::foreign:
    case EntryStatus::mismatch:
      remove(path);
      return std::nullopt;
  }
  return std::nullopt;
}

void DiskCache::note_hit(const std::string& entry_path) {
  const std::string hits =
      entry_path.substr(0, entry_path.size() - std::strlen(kEntrySuffix)) + kHitsSuffix;
  const int fd = ::open(hits.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;  // a read-only cache still serves hits
  const uint8_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(fd, &one, 1);
  ::close(fd);
}

bool DiskCache::store(const Key& key, std::string_view meta, std::span<const uint8_t> ir,
                      std::span<const uint8_t> payload) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->writable) return false;
  }
  auto fail = [&](const std::string& what, int e) {
    // Something else in the place of this one entry or its shard (a directory planted where
    // the entry goes, a file where the shard goes): that entry's problem, not the cache's.
    if (e == EISDIR || e == ENOTDIR || e == ENOTEMPTY || e == EEXIST || e == ELOOP) {
      warn_once(kWarnEntry, "cannot write kernel cache entry " + entry_path(key) + " (" + what +
                                ": " + describe_errno(e) +
                                "): something else is in its place; that kernel stays in memory");
      return false;
    }
    const bool full = e == ENOSPC || e == EDQUOT;
    if (full || e == EROFS || e == EACCES || e == EPERM) {
      std::lock_guard lock(state_->mutex);
      state_->writable = false;  // do not try (and fail) again for every kernel
    }
    warn_once(kWarnWrite, "cannot write to kernel cache directory " + dir_ + " (" + what + ": " +
                              describe_errno(e) + "); new kernels are kept in memory only");
    return false;
  };
  const std::string hex = key.hex();
  const std::string shard = dir_ + "/" + hex.substr(0, 2);
  if (::mkdir(shard.c_str(), 0700) != 0 && errno != EEXIST) return fail("mkdir", errno);

  std::vector<uint8_t> bytes(kHeaderSize + meta.size() + ir.size() + payload.size());
  Header h;
  h.version = kEntryFormatVersion;
  h.key = key;
  h.meta_size = static_cast<uint32_t>(meta.size());
  h.ir_size = ir.size();
  h.payload_size = payload.size();
  uint8_t header[kHeaderSize];
  encode_header(h, header);
  std::copy(header, header + kHeaderSize, bytes.begin());
  uint8_t* at = bytes.data() + kHeaderSize;
  at = std::copy(meta.begin(), meta.end(), at);
  at = std::copy(ir.begin(), ir.end(), at);
  std::copy(payload.begin(), payload.end(), at);
  put64(bytes.data() + 56, checksum(bytes.data(), bytes_of(meta), ir, payload));

  const std::string temp = shard + "/" + kTempPrefix + hex + "." + std::to_string(::getpid()) +
                           "." + std::to_string(state_->temp_counter.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail("create", errno);
  int e = write_all(fd, bytes.data(), bytes.size());
  if (::close(fd) != 0 && e == 0) e = errno;
  if (e != 0) {
    ::unlink(temp.c_str());
    return fail("write", e);
  }
  if (::rename(temp.c_str(), entry_path(key).c_str()) != 0) {
    const int re = errno;
    ::unlink(temp.c_str());
    return fail("rename", re);
  }

  bool over = false;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->total) {
      *state_->total += bytes.size();
      over = *state_->total > max_bytes_;
    } else {
      over = true;  // first store of this process: count what is there
    }
  }
  if (over) {
    uint64_t total = 0;
    for (const EntryInfo& i : list()) total += i.bytes;
    if (total > max_bytes_) {
      const uint64_t removed =
          prune(static_cast<uint64_t>(static_cast<double>(max_bytes_) * kLowWater));
      total -= std::min(total, removed);
    }
    std::lock_guard lock(state_->mutex);
    state_->total = total;
  }
  return true;
}

std::vector<EntryInfo> DiskCache::list() const {
  std::vector<EntryInfo> out;
  DIR* top = ::opendir(dir_.c_str());
  if (!top) return out;
  while (const dirent* d = ::readdir(top)) {
    const std::string shard = d->d_name;
    if (shard.size() != 2 || !std::isxdigit(static_cast<unsigned char>(shard[0])) ||
        !std::isxdigit(static_cast<unsigned char>(shard[1])))
      continue;
    const std::string shard_dir = dir_ + "/" + shard;
    DIR* sd = ::opendir(shard_dir.c_str());
    if (!sd) continue;
    while (const dirent* f = ::readdir(sd)) {
      const std::string name = f->d_name;
      if (!ends_with(name, kEntrySuffix)) continue;
      const std::string hex = name.substr(0, name.size() - std::strlen(kEntrySuffix));
      const auto key = key_from_hex(hex);
      if (!key) continue;
      EntryInfo info;
      info.key = *key;
      info.path = shard_dir + "/" + name;
      struct stat st;
      if (::lstat(info.path.c_str(), &st) != 0) continue;  // removed meanwhile
      info.bytes = static_cast<uint64_t>(st.st_size);
      info.last_use = st.st_mtime;
      const std::string hits = shard_dir + "/" + hex + kHitsSuffix;
      if (::lstat(hits.c_str(), &st) == 0) {
        info.bytes += static_cast<uint64_t>(st.st_size);
        info.hits = static_cast<uint64_t>(st.st_size);
        info.last_use = std::max<int64_t>(info.last_use, st.st_mtime);
      }
      out.push_back(std::move(info));
    }
    ::closedir(sd);
  }
  ::closedir(top);
  std::sort(out.begin(), out.end(),
            [](const EntryInfo& a, const EntryInfo& b) { return a.path < b.path; });
  return out;
}

void DiskCache::remove(const std::string& entry_path) {
  ::unlink(entry_path.c_str());
  if (ends_with(entry_path, kEntrySuffix)) {
    const std::string hits =
        entry_path.substr(0, entry_path.size() - std::strlen(kEntrySuffix)) + kHitsSuffix;
    ::unlink(hits.c_str());
  }
}

namespace {
// Calls fn(path, stat) for each temporary file in the shards of `dir`.
template <class Fn>
void for_each_temp(const std::string& dir, Fn fn) {
  DIR* top = ::opendir(dir.c_str());
  if (!top) return;
  while (const dirent* d = ::readdir(top)) {
    const std::string shard = d->d_name;
    if (shard.size() != 2) continue;
    const std::string shard_dir = dir + "/" + shard;
    DIR* sd = ::opendir(shard_dir.c_str());
    if (!sd) continue;
    while (const dirent* f = ::readdir(sd)) {
      const std::string name = f->d_name;
      if (name.rfind(kTempPrefix, 0) != 0) continue;
      const std::string path = shard_dir + "/" + name;
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0) fn(path, st);
    }
    ::closedir(sd);
  }
  ::closedir(top);
}
}  // namespace

uint64_t DiskCache::prune(uint64_t max_bytes) {
  uint64_t removed = 0;
  const int64_t now = now_seconds();
  for_each_temp(dir_, [&](const std::string& path, const struct stat& st) {
    if (now - st.st_mtime > kAbandonedSeconds && ::unlink(path.c_str()) == 0)
      removed += static_cast<uint64_t>(st.st_size);
  });
  std::vector<EntryInfo> entries = list();
  uint64_t total = 0;
  for (const EntryInfo& e : entries) total += e.bytes;
  if (total <= max_bytes) return removed;
  // Oldest use first. Other processes may prune at the same time: unlinking an entry twice is
  // harmless, and a reader that has an entry open keeps reading it.
  std::sort(entries.begin(), entries.end(), [](const EntryInfo& a, const EntryInfo& b) {
    return a.last_use != b.last_use ? a.last_use < b.last_use : a.path < b.path;
  });
  for (const EntryInfo& e : entries) {
    if (total <= max_bytes) break;
    remove(e.path);
    total -= e.bytes;
    removed += e.bytes;
  }
  return removed;
}

size_t DiskCache::clear() {
  size_t count = 0;
  for (const EntryInfo& e : list()) {
    remove(e.path);
    ++count;
  }
  for_each_temp(dir_, [](const std::string& path, const struct stat&) { ::unlink(path.c_str()); });
  return count;
}

}  // namespace kiln::cache
