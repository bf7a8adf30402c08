// The disk cache on its own: round trips, every kind of damaged entry, permissions, read-only
// and full directories, eviction, and concurrent use. Entries here are small byte strings; the
// end-to-end tests with real kernels and processes are in test_cache_processes.cpp.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <thread>

#include "cache/disk_cache.hpp"
#include "cache_test_util.hpp"

namespace kiln::cache {
namespace {

using test::ScratchDir;
namespace fs = std::filesystem;

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

// A cache that collects its warnings.
struct Opened {
  std::unique_ptr<DiskCache> cache;
  std::shared_ptr<std::vector<std::string>> warnings = std::make_shared<std::vector<std::string>>();
};

Opened open_cache(const std::string& dir, uint64_t max = kDefaultMaxBytes) {
  Opened o;
  auto w = o.warnings;
  o.cache = DiskCache::open(dir, max, [w](const std::string& m) { w->push_back(m); });
  return o;
}

const std::string kMeta = "x86_64;testcpu;;abi 1";
const std::vector<uint8_t> kIr = bytes("kernel IR: add mul exp");
const std::vector<uint8_t> kCode = bytes(
    "object code \x7f"
    "ELF....");

Key key_of(int i) {
  return make_key(bytes("ir " + std::to_string(i)), kMeta);
}

TEST(DiskCache, StoresAndLoadsAndCountsHits) {
  ScratchDir d("dc_roundtrip");
  Opened o = open_cache(d.str("cache"));
  ASSERT_TRUE(o.cache);
  EXPECT_EQ(fs::status(d.path() / "cache").permissions() & fs::perms::all, fs::perms::owner_all);
  const Key k = make_key(kIr, kMeta);
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  ASSERT_TRUE(o.cache->store(k, kMeta, kIr, kCode));
  const std::string path = o.cache->entry_path(k);
  EXPECT_NE(path.find("/" + k.hex().substr(0, 2) + "/" + k.hex() + ".kc"), std::string::npos);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  for (int i = 0; i < 3; ++i) {
    auto got = o.cache->load(k, kMeta, kIr);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, kCode);
  }
  const auto list = o.cache->list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].hits, 3u);
  EXPECT_EQ(list[0].key, k);
  EXPECT_TRUE(o.warnings->empty());
  EXPECT_EQ(test::temp_files(d.path()), 0u);
}

TEST(DiskCache, AnotherIrOrTargetUnderTheSameKeyIsACollisionAndIsRemoved) {
  ScratchDir d("dc_collision");
  Opened o = open_cache(d.str());
  const Key k = make_key(kIr, kMeta);
  ASSERT_TRUE(o.cache->store(k, kMeta, kIr, kCode));
  EXPECT_FALSE(o.cache->load(k, kMeta, bytes("another kernel")));
  EXPECT_FALSE(fs::exists(o.cache->entry_path(k)));
  ASSERT_TRUE(o.cache->store(k, kMeta, kIr, kCode));
  EXPECT_FALSE(o.cache->load(k, "another target", kIr));
  EXPECT_FALSE(fs::exists(o.cache->entry_path(k)));
}

// Every single-byte change anywhere in an entry, and every truncation, is caught: the entry is
// not used and is removed, and a good entry stored afterwards loads again.
TEST(DiskCache, EveryFlippedByteAndEveryTruncationIsDetectedAndRemoved) {
  ScratchDir d("dc_flip");
  Opened o = open_cache(d.str());
  const Key k = make_key(kIr, kMeta);
  ASSERT_TRUE(o.cache->store(k, kMeta, kIr, kCode));
  const std::string path = o.cache->entry_path(k);
  const std::vector<uint8_t> good = test::read_bytes(path);
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= mask;
      test::write_bytes(path, bad);
      ::chmod(path.c_str(), 0600);
      EXPECT_FALSE(o.cache->load(k, kMeta, kIr)) << "byte " << i;
      EXPECT_FALSE(fs::exists(path)) << "byte " << i;
    }
  }
  for (size_t n = 0; n < good.size(); ++n) {
    test::write_bytes(path, {good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)});
    ::chmod(path.c_str(), 0600);
    EXPECT_FALSE(o.cache->load(k, kMeta, kIr)) << "truncated to " << n;
    EXPECT_FALSE(fs::exists(path));
  }
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  test::write_bytes(path, longer);
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  test::write_bytes(path, std::vector<uint8_t>(good.size(), 0));
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  EXPECT_FALSE(fs::exists(path));
  ASSERT_TRUE(o.cache->store(k, kMeta, kIr, kCode));
  EXPECT_TRUE(o.cache->load(k, kMeta, kIr));
}

TEST(DiskCache, SwappedEntriesAndForeignVersionsAreRemoved) {
  ScratchDir d("dc_swap");
  Opened o = open_cache(d.str());
  const Key a = key_of(1), b = key_of(2);
  ASSERT_TRUE(o.cache->store(a, kMeta, bytes("ir 1"), bytes("code 1")));
  ASSERT_TRUE(o.cache->store(b, kMeta, bytes("ir 2"), bytes("code 2")));
  const std::string pa = o.cache->entry_path(a), pb = o.cache->entry_path(b);
  const auto ba = test::read_bytes(pa), bb = test::read_bytes(pb);
  test::write_bytes(pa, bb);
  test::write_bytes(pb, ba);
  EXPECT_FALSE(o.cache->load(a, kMeta, bytes("ir 1")));
  EXPECT_FALSE(o.cache->load(b, kMeta, bytes("ir 2")));
  EXPECT_FALSE(fs::exists(pa));
  EXPECT_FALSE(fs::exists(pb));

  ASSERT_TRUE(o.cache->store(a, kMeta, bytes("ir 1"), bytes("code 1")));
  std::vector<uint8_t> v = test::read_bytes(pa);
  v[8] = static_cast<uint8_t>(kEntryFormatVersion + 1);  // a future kiln's entry
  test::write_bytes(pa, v);
  EntryData e;
  EXPECT_EQ(o.cache->read(pa, e), EntryStatus::foreign);
  EXPECT_FALSE(o.cache->load(a, kMeta, bytes("ir 1")));
  EXPECT_FALSE(fs::exists(pa));
}

TEST(DiskCache, EntriesOthersCouldHaveWrittenAreRefusedAndLeftAlone) {
  ScratchDir d("dc_refuse");
  Opened o = open_cache(d.str());
  const Key k = make_key(kIr, kMeta);
  ASSERT_TRUE(o.cache->store(k, kMeta, kIr, kCode));
  const std::string path = o.cache->entry_path(k);
  ::chmod(path.c_str(), 0666);
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  EXPECT_TRUE(fs::exists(path));  // refused, not deleted: it is not ours to judge
  ASSERT_EQ(o.warnings->size(), 1u);
  EXPECT_NE(o.warnings->at(0).find("refusing"), std::string::npos);
  ::chmod(path.c_str(), 0620);
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  EXPECT_EQ(o.warnings->size(), 1u);  // one warning, however many entries

  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(o.cache->load(k, kMeta, kIr));
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(path.c_str(), test::nobody_uid(), test::nobody_uid()), 0);
    EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
    EXPECT_TRUE(fs::exists(path));
  }
  // A symbolic link in place of an entry is not followed.
  fs::remove(path);
  const fs::path target = d.path() / "elsewhere.kc";
  ASSERT_TRUE(o.cache->store(key_of(7), kMeta, kIr, kCode));
  fs::copy_file(o.cache->entry_path(key_of(7)), target);
  fs::create_symlink(target, path);
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  EXPECT_TRUE(fs::is_symlink(path));
}

TEST(DiskCache, ReadErrorsNeverDeleteAnything) {
  ScratchDir d("dc_eio");
  Opened o = open_cache(d.str());
  const Key k = make_key(kIr, kMeta);
  ASSERT_TRUE(o.cache->store(k, kMeta, kIr, kCode));
  ::setenv("KILN_CACHE_FAULT", "eio", 1);
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  EXPECT_FALSE(o.cache->load(k, kMeta, kIr));
  ::unsetenv("KILN_CACHE_FAULT");
  EXPECT_TRUE(fs::exists(o.cache->entry_path(k)));
  EXPECT_EQ(o.warnings->size(), 1u);
  EXPECT_TRUE(o.cache->load(k, kMeta, kIr));
}

TEST(DiskCache, UnsafeOrUnusableDirectoriesAreNotUsed) {
  ScratchDir d("dc_dirs");
  const std::string open_to_all = d.str("open");
  fs::create_directories(open_to_all);
  ::chmod(open_to_all.c_str(), 0777);
  Opened o = open_cache(open_to_all);
  EXPECT_FALSE(o.cache);
  ASSERT_EQ(o.warnings->size(), 1u);
  EXPECT_NE(o.warnings->at(0).find("0777"), std::string::npos) << o.warnings->at(0);

  const std::string file = d.str("a_file");
  test::write_bytes(file, bytes("x"));
  o = open_cache(file);
  EXPECT_FALSE(o.cache);
  EXPECT_EQ(o.warnings->size(), 1u);
  o = open_cache(file + "/below_a_file");
  EXPECT_FALSE(o.cache);
  EXPECT_EQ(o.warnings->size(), 1u);

  if (::geteuid() == 0) {
    const std::string theirs = d.str("theirs");
    fs::create_directories(theirs);
    ASSERT_EQ(::chown(theirs.c_str(), test::nobody_uid(), test::nobody_uid()), 0);
    o = open_cache(theirs);
    EXPECT_FALSE(o.cache);
    ASSERT_EQ(o.warnings->size(), 1u);
    EXPECT_NE(o.warnings->at(0).find("not to this user"), std::string::npos);
  }
}

TEST(DiskCache, ReadOnlyDirectoryServesHitsAndKeepsNewKernelsInMemory) {
  ScratchDir d("dc_ro");
  const bool mounted = d.mount_tmpfs("ro", "size=1m,mode=0700");
  const std::string dir = d.str("ro");
  {
    Opened o = open_cache(dir);
    ASSERT_TRUE(o.cache->store(key_of(1), kMeta, kIr, kCode));
  }
  if (mounted) {
    ASSERT_TRUE(d.remount_read_only("ro"));
  } else if (::geteuid() != 0) {
    ::chmod(dir.c_str(), 0500);
    for (const auto& e : fs::directory_iterator(dir)) ::chmod(e.path().c_str(), 0500);
  } else {
    GTEST_SKIP() << "running as root without permission to mount: a read-only directory "
                    "cannot be made here";
  }
  Opened o = open_cache(dir);
  ASSERT_TRUE(o.cache);
  ASSERT_EQ(o.warnings->size(), 1u);
  EXPECT_NE(o.warnings->at(0).find("read-only"), std::string::npos);
  EXPECT_TRUE(o.cache->load(key_of(1), kMeta, kIr));
  EXPECT_FALSE(o.cache->store(key_of(2), kMeta, kIr, kCode));
  EXPECT_FALSE(o.cache->store(key_of(3), kMeta, kIr, kCode));
  EXPECT_EQ(o.warnings->size(), 1u);
}

TEST(DiskCache, FullDiskWarnsOnceLeavesNoPartialFilesAndKeepsOldEntries) {
  ScratchDir d("dc_full");
  const bool mounted = d.mount_tmpfs("full", "size=64k,mode=0700");
  const std::string dir = d.str("full");
  Opened o = open_cache(dir);
  ASSERT_TRUE(o.cache);
  ASSERT_TRUE(o.cache->store(key_of(0), kMeta, kIr, kCode));
  if (!mounted) ::setenv("KILN_CACHE_FAULT", "enospc", 1);  // no mount privilege: inject it
  const std::vector<uint8_t> big(20'000, 7);
  int stored = 0;
  for (int i = 1; i < 20; ++i) stored += o.cache->store(key_of(i), kMeta, kIr, big);
  ::unsetenv("KILN_CACHE_FAULT");
  EXPECT_LT(stored, 19);
  ASSERT_EQ(o.warnings->size(), 1u);
  EXPECT_NE(o.warnings->at(0).find("memory only"), std::string::npos) << o.warnings->at(0);
  EXPECT_EQ(test::temp_files(dir), 0u);
  auto first = o.cache->load(key_of(0), kMeta, kIr);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, kCode);
  for (int i = 1; i <= stored; ++i) EXPECT_TRUE(o.cache->load(key_of(i), kMeta, kIr)) << i;
}

TEST(DiskCache, EvictsLeastRecentlyUsedEntriesBeyondTheCap) {
  ScratchDir d("dc_lru");
  Opened o = open_cache(d.str());
  const std::vector<uint8_t> payload(1000, 1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(o.cache->store(key_of(i), kMeta, kIr, payload));
  // Ages: entry i was last used i hours ago... except that entry 9 was just hit.
  const time_t now = ::time(nullptr);
  for (int i = 0; i < 10; ++i) {
    struct utimbuf t {
      now - 3600 * (10 - i), now - 3600 * (10 - i)
    };
    ::utime(o.cache->entry_path(key_of(i)).c_str(), &t);
  }
  ASSERT_TRUE(o.cache->load(key_of(0), kMeta, kIr));  // the oldest, now the newest
  uint64_t total = 0;
  for (const EntryInfo& e : o.cache->list()) total += e.bytes;
  const uint64_t each = total / 10;
  o.cache->prune(each * 5);
  std::vector<bool> kept;
  for (int i = 0; i < 10; ++i) kept.push_back(fs::exists(o.cache->entry_path(key_of(i))));
  EXPECT_TRUE(kept[0]);
  EXPECT_FALSE(kept[1]);
  EXPECT_FALSE(kept[4]);
  EXPECT_TRUE(kept[9]);
  EXPECT_LE(o.cache->list().size(), 5u);
}

TEST(DiskCache, StoresKeepTheDirectoryUnderItsCap) {
  ScratchDir d("dc_cap");
  Opened o = open_cache(d.str(), 20'000);
  const std::vector<uint8_t> payload(1000, 1);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(o.cache->store(key_of(i), kMeta, kIr, payload));
  uint64_t total = 0;
  for (const EntryInfo& e : o.cache->list()) total += e.bytes;
  EXPECT_LE(total, 20'000u + 1200u);  // at most one entry past the cap between counts
  EXPECT_TRUE(o.cache->load(key_of(99), kMeta, kIr));  // the newest stays
}

TEST(DiskCache, AbandonedTemporaryFilesArePrunedAndFreshOnesKept) {
  ScratchDir d("dc_temp");
  Opened o = open_cache(d.str());
  ASSERT_TRUE(o.cache->store(key_of(1), kMeta, kIr, kCode));
  const fs::path shard = fs::path(o.cache->entry_path(key_of(1))).parent_path();
  const fs::path old_temp = shard / ".tmp.dead.1.0", fresh_temp = shard / ".tmp.live.2.0";
  test::write_bytes(old_temp, bytes("half an entry"));
  test::write_bytes(fresh_temp, bytes("being written"));
  struct utimbuf t {
    ::time(nullptr) - 7200, ::time(nullptr) - 7200
  };
  ::utime(old_temp.c_str(), &t);
  o.cache->prune(kDefaultMaxBytes);
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_TRUE(fs::exists(fresh_temp));
  EXPECT_EQ(o.cache->clear(), 1u);
  EXPECT_TRUE(o.cache->list().empty());
  EXPECT_EQ(test::temp_files(d.path()), 0u);
}

TEST(DiskCache, ThreadsStoringAndLoadingTheSameKeysSeeWholeEntriesOnly) {
  ScratchDir d("dc_threads");
  Opened o = open_cache(d.str());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const int i = (round + t) % 8;
        const std::vector<uint8_t> ir = bytes("ir " + std::to_string(i));
        const std::vector<uint8_t> code(500 + 50 * i, static_cast<uint8_t>(i));
        const Key k = make_key(ir, kMeta);
        if (auto got = o.cache->load(k, kMeta, ir)) {
          if (*got != code) ++wrong;
        } else {
          o.cache->store(k, kMeta, ir, code);
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(o.cache->list().size(), 8u);
  EXPECT_TRUE(o.warnings->empty());
}

TEST(DiskCache, SizesParseAsScriptsWriteThem) {
  EXPECT_EQ(parse_size("2G"), uint64_t{2} << 30);
  EXPECT_EQ(parse_size("500M"), uint64_t{500} << 20);
  EXPECT_EQ(parse_size("1.5GiB"), uint64_t{3} << 29);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("64k"), 65536u);
  EXPECT_EQ(parse_size("10MB"), uint64_t{10} << 20);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("G"));
  EXPECT_FALSE(parse_size("-1G"));
  EXPECT_FALSE(parse_size("2X"));
  EXPECT_FALSE(parse_size("1e3"));
}

TEST(DiskCache, DirectoryFollowsTheEnvironment) {
  const char* home = std::getenv("HOME");
  const std::string saved_home = home ? home : "";
  ::setenv("KILN_CACHE_DIR", "/some/where", 1);
  EXPECT_EQ(directory_from_environment(), "/some/where");
  ::unsetenv("KILN_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(directory_from_environment(), "/xdg/kiln");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(directory_from_environment(), "/home/someone/.cache/kiln");
  ::setenv("KILN_CACHE", "off", 1);
  EXPECT_EQ(directory_from_environment(), "");
  ::unsetenv("KILN_CACHE");
  ::setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace kiln::cache

namespace kiln::cache {
namespace {

TEST(DiskCache, ADirectoryInPlaceOfAnEntryIsThatEntrysProblemOnly) {
  ScratchDir d("dc_planted");
  Opened o = open_cache(d.str("cache"));
  ASSERT_TRUE(o.cache);
  // Something planted a directory where entry 1 goes, and a file where entry 2's shard goes.
  const std::string planted = o.cache->entry_path(key_of(1));
  fs::create_directories(planted);
  fs::create_directories(d.path() / "cache" / "zz");
  const std::string shard = fs::path(o.cache->entry_path(key_of(2))).parent_path();
  if (!fs::exists(shard)) std::ofstream(shard) << "not a directory";
  EXPECT_FALSE(o.cache->store(key_of(1), kMeta, kIr, kCode));
  EXPECT_FALSE(o.cache->load(key_of(1), kMeta, kIr));
  EXPECT_TRUE(fs::is_directory(planted));  // left alone: not ours to delete
  // Every other entry is still written and read.
  for (int i = 3; i < 40; ++i) {
    if (fs::path(o.cache->entry_path(key_of(i))).parent_path() == shard) continue;
    EXPECT_TRUE(o.cache->store(key_of(i), kMeta, kIr, kCode)) << i;
    EXPECT_TRUE(o.cache->load(key_of(i), kMeta, kIr)) << i;
  }
  // The warning names the entry, not the whole directory ("new kernels are kept in memory
  // only" would be wrong: every other kernel was written).
  ASSERT_FALSE(o.warnings->empty());
  for (const std::string& w : *o.warnings)
    EXPECT_EQ(w.find("kept in memory only"), std::string::npos) << w;
  EXPECT_NE(o.warnings->front().find("that kernel stays in memory"), std::string::npos)
      << o.warnings->front();
}

}  // namespace
}  // namespace kiln::cache
