// Devices through the public API: names, the default device, and the errors for CUDA devices that
// are missing (no driver, no GPU) or out of range. The GPU runtime itself is test_gpu.cpp's.
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

TEST(Device, ToTheSameDeviceIsTheSameArray) {
  const kiln::Device home = kiln::default_device();
  const kiln::Array a = kiln::arange(5) * 2;
  EXPECT_TRUE(a.device() == home);
  const kiln::Array b = a.to(home);
  EXPECT_TRUE(b.device() == home);
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 4, 6, 8}));
  const kiln::Array c = a.to(kiln::Device::cpu());
  EXPECT_TRUE(c.device() == kiln::Device::cpu());
  EXPECT_EQ(c.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 4, 6, 8}));
}

TEST(Device, WithoutAGpuCudaIsAClearErrorNamingTheCallSite) {
  if (kiln::cuda_available()) GTEST_SKIP() << "a CUDA device is available here";
  const kiln::Device home = kiln::default_device();
  std::string e = error_of([] { kiln::set_default_device(kiln::Device::cuda()); });
  EXPECT_NE(e.find("[set_default_device] cuda:0 is not available: "), std::string::npos) << e;
  EXPECT_NE(e.find("test_device.cpp:"), std::string::npos) << e;
  EXPECT_TRUE(kiln::default_device() == home);

  const kiln::Array a = kiln::ones({3});
  e = error_of([&] { (void)a.to(kiln::Device::cuda()); });
  EXPECT_NE(e.find("[to] cuda:0 is not available: "), std::string::npos) << e;
  EXPECT_NE(e.find("test_device.cpp:"), std::string::npos) << e;
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 1, 1}));  // still usable
}

TEST(Device, IndicesOutOfRangeAreErrors) {
  std::string e = error_of([] { kiln::set_default_device(kiln::Device::cuda(-1)); });
  EXPECT_NE(e.find("CUDA device indices run from 0 to 254, not -1"), std::string::npos) << e;
  e = error_of([] { (void)kiln::ones({2}).to(kiln::Device::cuda(300)); });
  EXPECT_NE(e.find("[to] CUDA device indices run from 0 to 254, not 300"), std::string::npos) << e;
  e = error_of([] { kiln::set_default_device(kiln::Device::cuda(200)); });
  EXPECT_NE(e.find("cuda:200 is not available"), std::string::npos) << e;
}

}  // namespace
