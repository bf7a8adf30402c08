// Kernel manifests: the list of kernels a program used, written while it runs with KILN_RECORD
// set (by `kiln-warmup record`) and read by `kiln-warmup compile` to fill a cache ahead of time.
//
// Text, one kernel a line: "<backend> <key hex> <canonical kernel IR in hex>", after a first
// line "kiln-manifest 1". Lines are appended with one write each, so several processes of one
// recorded program can share the file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kiln::runtime {

/// The first line of every manifest.
inline constexpr const char* kManifestHeader = "kiln-manifest 1";

/// One recorded kernel.
struct ManifestEntry {
  std::string backend;      ///< "cpu"
  std::string key_hex;      ///< the key it had where it was recorded (informative)
  std::vector<uint8_t> ir;  ///< canonical kernel IR bytes
};

/// Appends one entry to `path` (creating it with its header line). Returns false on failure.
bool append_manifest(const std::string& path, const ManifestEntry& entry);

/// Reads a manifest, dropping duplicate kernels. Throws kiln::Error naming the file and line
/// when it is not a manifest or a line is malformed.
std::vector<ManifestEntry> read_manifest(const std::string& path);

/// read_manifest of a manifest's text (`path` names it in errors).
std::vector<ManifestEntry> parse_manifest(const std::string& text, const std::string& path);

/// Writes `entries` to `path` atomically (temporary file, then rename). Throws kiln::Error.
void write_manifest(const std::string& path, const std::vector<ManifestEntry>& entries);

/// Hex digits of bytes, and back (nullopt-like empty result with ok=false on bad input).
std::string to_hex(std::span<const uint8_t> bytes);
bool from_hex(std::string_view hex, std::vector<uint8_t>& out);

}  // namespace kiln::runtime
