// The on-disk kernel cache: entries of bytes under keys, shared by every process of the user.
// It knows nothing of kernels: an entry is a key, a short description of its target (`meta`),
// the canonical kernel IR and a payload (object code, PTX), all opaque bytes here.
//
// Layout: <dir>/<first two hex digits of the key>/<32 hex digits>.kc, plus a <key>.hits file
// next to each entry that grows by one byte per load (its length counts the hits, its mtime
// records the last use for eviction). Writers publish with an atomic rename of a private
// temporary file; readers take no lock. Every failure degrades to "not cached".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/key.hpp"

namespace kiln::cache {

/// Version of the entry layout; entries of any other version are foreign and replaced.
inline constexpr uint32_t kEntryFormatVersion = 1;

/// Default size cap of a cache directory (KILN_CACHE_MAX_SIZE overrides it).
inline constexpr uint64_t kDefaultMaxBytes = uint64_t{2} << 30;

/// The cache directory the environment asks for: $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln,
/// else $HOME/.cache/kiln; empty when KILN_CACHE=off or no home is known.
std::string directory_from_environment();

/// KILN_CACHE_MAX_SIZE, or the default. A value it cannot parse warns once and gives the default.
uint64_t max_bytes_from_environment();

/// Parses "2G", "512M", "1.5GiB", "1000000" (bytes; K, M, G, T are powers of 1024). Returns
/// nullopt for anything else.
std::optional<uint64_t> parse_size(std::string_view text);

/// One entry's bytes, as stored.
struct EntryData {
  Key key;
  std::string meta;
  std::vector<uint8_t> ir;
  std::vector<uint8_t> payload;
};

/// What a directory listing says of one entry.
struct EntryInfo {
  Key key;
  std::string path;
  uint64_t bytes = 0;    ///< the entry file plus its hits file
  uint64_t hits = 0;     ///< loads from disk so far
  int64_t last_use = 0;  ///< seconds since the epoch: the latest of creation and last hit
};

/// Why an entry could not be read.
enum class EntryStatus {
  ok,
  missing,   ///< no such entry
  refused,   ///< not a regular file, not the user's, or writable by others: left alone
  io_error,  ///< the file could not be read: left alone
  corrupt,   ///< wrong magic, size, checksum or key: removed
  foreign,   ///< another entry format version: removed
  mismatch,  ///< its meta or IR is not the one asked for (a hash collision): removed
};

/// Short lower-case name of a status ("corrupt", ...).
std::string_view to_string(EntryStatus s);

/// Checks and splits the bytes of an entry file named `name` (its last path component): ok, or
/// corrupt / foreign for anything else (never reads outside `bytes`, whatever they hold).
EntryStatus parse_entry(std::span<const uint8_t> bytes, std::string_view name, EntryData& out);

/// A cache directory. Thread-safe for concurrent loads and stores.
class DiskCache {
 public:
  /// Prints one warning line (the cache prints each kind of problem once per instance).
  using Warn = std::function<void(const std::string&)>;

  /// Opens (creating it 0700 if needed) the cache at `dir`. Returns null, after one warning,
  /// when the directory cannot be used at all (cannot be created, is not a directory, is owned
  /// by someone else or writable by group or others). A read-only directory opens for reading;
  /// storing then warns once and keeps kernels in memory only.
  static std::unique_ptr<DiskCache> open(const std::string& dir, uint64_t max_bytes, Warn warn);

  ~DiskCache();
  DiskCache(const DiskCache&) = delete;
  DiskCache& operator=(const DiskCache&) = delete;

  /// The directory.
  const std::string& directory() const noexcept { return dir_; }

  /// The payload stored under `key` if the entry is sound and holds exactly `meta` and `ir`;
  /// counts a hit. Corrupt, foreign and mismatched entries are removed; refused entries warn.
  std::optional<std::vector<uint8_t>> load(const Key& key, std::string_view meta,
                                           std::span<const uint8_t> ir);

  /// Publishes an entry (temporary file, then rename). Returns false when it could not be
  /// written (after one warning per kind of failure); never throws. May evict old entries.
  bool store(const Key& key, std::string_view meta, std::span<const uint8_t> ir,
             std::span<const uint8_t> payload);

  /// Reads and checks one entry file without counting a hit or removing anything.
  EntryStatus read(const std::string& path, EntryData& out) const;

  /// Path of the entry for `key`.
  std::string entry_path(const Key& key) const;

  /// Every entry (files named like entries; their contents are not checked).
  std::vector<EntryInfo> list() const;

  /// Removes least recently used entries until the entries take at most `max_bytes`, and
  /// temporary files abandoned by killed writers. Returns the bytes removed.
  uint64_t prune(uint64_t max_bytes);

  /// Removes one entry and its hits file.
  void remove(const std::string& entry_path);

  /// Removes every entry, hits file and temporary file. Returns how many entries went.
  size_t clear();

 private:
  DiskCache(std::string dir, uint64_t max_bytes, Warn warn, bool writable);
  void warn_once(int kind, const std::string& message);
  void note_hit(const std::string& entry_path);

  std::string dir_;
  uint64_t max_bytes_;
  Warn warn_;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kiln::cache
