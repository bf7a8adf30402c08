// Devices through the public API: names, the CPU default, and the errors for CUDA devices that
// are missing (no driver, no GPU) or that this kiln cannot run arrays on.
#include <gtest/gtest.h>

#include "kiln/kiln.hpp"

namespace {

// The message of the kiln::Error that `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const kiln::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Device, NamesAndEquality) {
  EXPECT_EQ(kiln::Device::cpu().name(), "cpu");
  EXPECT_EQ(kiln::Device::cuda().name(), "cuda:0");
  EXPECT_EQ(kiln::Device::cuda(3).name(), "cuda:3");
  EXPECT_EQ(kiln::Device::cuda(1).index(), 1);
  EXPECT_TRUE(kiln::Device::cuda(1) == kiln::Device::cuda(1));
  EXPECT_FALSE(kiln::Device::cuda(0) == kiln::Device::cpu());
  EXPECT_EQ(kiln::Device::cuda().kind(), kiln::Device::Kind::cuda);
}

TEST(Device, CpuIsTheDefaultAndToCpuIsTheSameArray) {
  EXPECT_TRUE(kiln::default_device() == kiln::Device::cpu());
  kiln::set_default_device(kiln::Device::cpu());
  const kiln::Array a = kiln::arange(5) * 2;
  const kiln::Array b = a.to(kiln::Device::cpu());
  EXPECT_TRUE(b.device() == kiln::Device::cpu());
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 4, 6, 8}));
}

TEST(Device, CudaWorkIsAClearErrorNamingTheCallSite) {
  const bool available = kiln::cuda_available();  // false here without a driver; never a crash
  const std::string expected =
      available ? "cannot run arrays on cuda:0 yet" : "cuda:0 is not available: ";
  std::string e = error_of([] { kiln::set_default_device(kiln::Device::cuda()); });
  EXPECT_NE(e.find("[set_default_device]"), std::string::npos) << e;
  EXPECT_NE(e.find(expected), std::string::npos) << e;
  EXPECT_NE(e.find("test_device.cpp:"), std::string::npos) << e;
  EXPECT_TRUE(kiln::default_device() == kiln::Device::cpu());

  const kiln::Array a = kiln::ones({3});
  e = error_of([&] { (void)a.to(kiln::Device::cuda()); });
  EXPECT_NE(e.find("[to]"), std::string::npos) << e;
  EXPECT_NE(e.find(expected), std::string::npos) << e;
  EXPECT_NE(e.find("test_device.cpp:"), std::string::npos) << e;
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 1, 1}));  // still usable

  e = error_of([] { kiln::set_default_device(kiln::Device::cuda(-1)); });
  EXPECT_NE(e.find("CUDA device indices start at 0, not -1"), std::string::npos) << e;
  if (!available) {
    e = error_of([] { kiln::set_default_device(kiln::Device::cuda(7)); });
    EXPECT_NE(e.find("cuda:7 is not available"), std::string::npos) << e;
  }
}

}  // namespace
