#include "runtime/manifest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "kiln/error.hpp"

namespace kiln::runtime {

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 15];
  }
  return s;
}

bool from_hex(std::string_view hex, std::vector<uint8_t>& out) {
  if (hex.size() % 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.resize(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

namespace {
std::string line_of(const ManifestEntry& e) {
  return e.backend + " " + e.key_hex + " " + to_hex(e.ir) + "\n";
}
}  // namespace

bool append_manifest(const std::string& path, const ManifestEntry& entry) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  // The header goes in only while the file is empty; two processes racing here may both write
  // it, which read_manifest tolerates.
  std::string text;
  if (::lseek(fd, 0, SEEK_END) == 0) text = std::string(kManifestHeader) + "\n";
  text += line_of(entry);
  bool ok = true;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  return ::close(fd) == 0 && ok;
}

std::vector<ManifestEntry> read_manifest(const std::string& path) {
  std::ifstream file(path);
  if (!file)
    throw Error("[kiln-warmup] cannot open manifest '" + path + "': " + std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  return parse_manifest(text.str(), path);
}

std::vector<ManifestEntry> parse_manifest(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::vector<ManifestEntry> out;
  std::set<std::pair<std::string, std::vector<uint8_t>>> seen;
  std::string line;
  size_t number = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    if (line == kManifestHeader) {
      header = true;
      continue;
    }
    auto bad = [&](const std::string& why) {
      return Error("[kiln-warmup] " + path + ":" + std::to_string(number) + ": " + why);
    };
    if (!header)
      throw bad("not a kiln manifest (its first line must be \"" + std::string(kManifestHeader) +
                "\")");
    const size_t a = line.find(' '), b = a == std::string::npos ? a : line.find(' ', a + 1);
    if (b == std::string::npos) throw bad("expected \"<backend> <key> <ir hex>\"");
    ManifestEntry e;
    e.backend = line.substr(0, a);
    e.key_hex = line.substr(a + 1, b - a - 1);
    if (!from_hex(std::string_view(line).substr(b + 1), e.ir) || e.ir.empty())
      throw bad("the kernel IR is not hex digits");
    if (seen.insert({e.backend, e.ir}).second) out.push_back(std::move(e));
  }
  if (!header) throw Error("[kiln-warmup] '" + path + "' is not a kiln manifest (empty)");
  return out;
}

void write_manifest(const std::string& path, const std::vector<ManifestEntry>& entries) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << kManifestHeader << "\n";
    for (const ManifestEntry& e : entries) out << line_of(e);
    out.flush();
    if (!out) {
      ::unlink(temp.c_str());
      throw Error("[kiln-warmup] cannot write manifest '" + path + "'");
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    throw Error("[kiln-warmup] cannot write manifest '" + path + "': " + std::strerror(e));
  }
}

}  // namespace kiln::runtime
