// Helpers of the cache tests: scratch directories, file surgery, small mounts.
#pragma once

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace kiln::test {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed (and unmounted) on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("kiln_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    for (const fs::path& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string str(const std::string& sub = "") const {
    return sub.empty() ? path_.string() : (path_ / sub).string();
  }
  /// Mounts a tmpfs at `sub` with `options` ("size=64k", "ro"); false when not permitted here.
  bool mount_tmpfs(const std::string& sub, const std::string& options) {
    const fs::path at = path_ / sub;
    fs::create_directories(at);
    if (::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) != 0) return false;
    mounts_.push_back(at);
    return true;
  }
  /// Remounts a tmpfs made by mount_tmpfs read-only.
  bool remount_read_only(const std::string& sub) {
    const fs::path at = path_ / sub;
    return ::mount("tmpfs", at.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }

 private:
  fs::path path_;
  std::vector<fs::path> mounts_;
};

inline std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

/// Every entry file (*.kc) below `dir`.
inline std::vector<fs::path> entry_files(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".kc") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// Files whose name starts with ".tmp." below `dir`.
inline size_t temp_files(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().rfind(".tmp.", 0) == 0) ++n;
  return n;
}

/// The uid of "nobody", or -1.
inline int nobody_uid() {
  return 65534;
}

}  // namespace kiln::test
