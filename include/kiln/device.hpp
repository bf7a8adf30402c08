// Where an array's data lives and where its kernels run.
#pragma once

#include <string>

namespace kiln {

/// A compute device. Today kiln runs on the host CPU; the CUDA backend joins later.
class Device {
 public:
  /// The kinds of device kiln knows.
  enum class Kind : unsigned char { cpu };

  /// The host CPU (all cores).
  static Device cpu() noexcept { return Device(Kind::cpu, 0); }

  /// Which kind of device this is.
  Kind kind() const noexcept { return kind_; }
  /// Index among devices of the same kind.
  int index() const noexcept { return index_; }
  /// "cpu", or "cuda:1" style names.
  std::string name() const;

  /// Same kind and index.
  friend bool operator==(const Device& a, const Device& b) noexcept {
    return a.kind_ == b.kind_ && a.index_ == b.index_;
  }

 private:
  Device(Kind k, int i) noexcept : kind_(k), index_(i) {}
  Kind kind_;
  int index_;
};

}  // namespace kiln
