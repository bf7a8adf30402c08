// The CUDA backend without a GPU: PTX for hand-written kernel IR (maps and both kinds of
// reduction), ptxas accepting it when the CUDA toolkit is installed, and every way the driver
// can be missing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "jit/backend.hpp"
#include "jit/cuda/cuda_driver.hpp"
#include "kiln/error.hpp"
#include "unit/kernel_ir_builders.hpp"

using namespace kiln;
using namespace kiln::ir;

namespace {

using kiln_test::make_instr;

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// A map with a libdevice call (exp) and a broadcast.
KernelIR map_kernel() {
  return kiln_test::broadcast_rows_kernel();
}

// sum(x, axis) / n and argmax(x, axis) of a float64 input, reducing the inner (ReduceInner) or
// the outer (ReduceOuter) dimension of a 2-d iteration space.
KernelIR reduce_kernel(KernelKind kind) {
  KernelIR k;
  k.kind = kind;
  k.rank = 2;
  k.kept_rank = 1;
  k.num_params = 1;
  k.accesses = {{0b11, Inner::Unit, float64, 1, 0}};
  k.instrs = {make_instr(InstrKind::Load, graph::Op::Data, float64, {}, 0),
              make_instr(InstrKind::Reduce, graph::Op::Sum, float64, {0}, 0),
              make_instr(InstrKind::Param, graph::Op::Data, float64, {}, 0),
              make_instr(InstrKind::Compute, graph::Op::Divide, float64, {1, 2}),
              make_instr(InstrKind::Reduce, graph::Op::ArgMax, int64, {0}, 1)};
  k.outputs = {{3, float64, {}}, {4, int64, {}}};
  return k;
}

std::string ptx_of(const KernelIR& k, const std::string& sm) {
  EXPECT_EQ(validate(k), "");
  jit::BackendOptions o;
  o.cuda_sm = sm;
  auto backend = jit::make_backend(Device::cuda(0), o);
  const jit::Binary b = backend->compile(k, "kiln_test_kernel");
  return std::string(b.code.begin(), b.code.end());
}

std::string find_ptxas() {
  for (const char* p : {static_cast<const char*>(std::getenv("KILN_PTXAS")),
                        static_cast<const char*>("/usr/local/cuda/bin/ptxas")})
    if (p && ::access(p, X_OK) == 0) return p;
  return "";
}

// ptxas's verdict on `ptx` for `sm`: empty when it assembles.
std::string ptxas_errors(const std::string& ptx, const std::string& sm) {
  const std::string file = ::testing::TempDir() + "kiln_test_" + sm + ".ptx";
  std::ofstream(file) << ptx;
  const std::string cmd = find_ptxas() + " -arch=" + sm + " -o /dev/null " + file + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[1024];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  return ::pclose(p) == 0 ? "" : out + " ";
}

}  // namespace

TEST(CudaBackend, MapIsAGridStrideKernelWithLibdeviceInlined) {
  const std::string ptx = ptx_of(map_kernel(), "sm_90");
  EXPECT_NE(ptx.find(".target sm_90"), std::string::npos);
  EXPECT_NE(ptx.find(".visible .entry kiln_test_kernel("), std::string::npos);
  EXPECT_NE(ptx.find("%nctaid.x"), std::string::npos) << "no grid-stride loop";
  EXPECT_NE(ptx.find("ld.global.nc.f32"), std::string::npos) << "inputs are read-only";
  EXPECT_NE(ptx.find("ex2.approx"), std::string::npos) << "__nv_expf's code is not inlined";
  EXPECT_EQ(ptx.find("__nv_expf"), std::string::npos) << "libdevice call left unresolved";
  // numpy keeps subnormals: kiln's own float32 arithmetic never flushes them (libdevice's
  // functions may use ftz approximations internally, on scaled arguments).
  EXPECT_NE(ptx.find("mul.rn.f32"), std::string::npos);
  EXPECT_EQ(ptx.find("mul.rn.ftz.f32"), std::string::npos);
}

TEST(CudaBackend, ReductionsUseShufflesOrAThreadPerOutput) {
  const std::string inner = ptx_of(reduce_kernel(KernelKind::ReduceInner), "sm_90");
  EXPECT_NE(inner.find("shfl.sync.down"), std::string::npos);
  EXPECT_NE(inner.find("bar.sync"), std::string::npos);
  EXPECT_NE(inner.find(".shared"), std::string::npos);
  // One shared partial per warp of 256 threads: the driver must refuse bigger blocks.
  EXPECT_NE(inner.find(".maxntid 256, 1, 1"), std::string::npos);
  const std::string outer = ptx_of(reduce_kernel(KernelKind::ReduceOuter), "sm_90");
  EXPECT_EQ(outer.find("shfl.sync"), std::string::npos);
  EXPECT_EQ(outer.find("bar.sync"), std::string::npos);
}

TEST(CudaBackend, PtxasAcceptsEveryKindOfKernel) {
  if (find_ptxas().empty()) GTEST_SKIP() << "ptxas not found (no CUDA toolkit): not checked";
  for (const char* sm : {"sm_80", "sm_90"}) {
    EXPECT_EQ(ptxas_errors(ptx_of(map_kernel(), sm), sm), "") << sm;
    EXPECT_EQ(ptxas_errors(ptx_of(reduce_kernel(KernelKind::ReduceInner), sm), sm), "") << sm;
    EXPECT_EQ(ptxas_errors(ptx_of(reduce_kernel(KernelKind::ReduceOuter), sm), sm), "") << sm;
  }
}

TEST(CudaBackend, TargetIdNamesTheSmAndLoadingNeedsADriver) {
  jit::BackendOptions o80, o90;
  o80.cuda_sm = "sm_80";
  o90.cuda_sm = "sm_90";
  auto a = jit::make_backend(Device::cuda(0), o80);
  auto b = jit::make_backend(Device::cuda(0), o90);
  EXPECT_EQ(a->name(), "cuda");
  EXPECT_NE(a->target_id().find(";sm_80;"), std::string::npos) << a->target_id();
  EXPECT_NE(a->target_id(), b->target_id());
  EXPECT_EQ(jit::make_backend(Device::cuda(0), o90)->target_id(), b->target_id());
  const KernelIR k = map_kernel();
  const jit::Binary bin = b->compile(k, "kiln_x");  // compiling needs no driver
  const char* before = std::getenv("KILN_LIBCUDA");
  const std::string saved = before ? before : "";
  ::setenv("KILN_LIBCUDA", "/no/such/libcuda.so.1", 1);
  try {
    b->load(bin, k);
    ADD_FAILURE() << "loading PTX without a driver must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[cuda] CUDA is not available: cannot open the CUDA "
                                         "driver /no/such/libcuda.so.1"),
              std::string::npos)
        << e.what();
  }
  if (before)
    ::setenv("KILN_LIBCUDA", saved.c_str(), 1);
  else
    ::unsetenv("KILN_LIBCUDA");
}

TEST(CudaBackend, UnknownSmIsAClearError) {
  jit::BackendOptions o;
  o.cuda_sm = "sm_1";
  try {
    jit::make_backend(Device::cuda(0), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot generate code for 'sm_1'"), std::string::npos)
        << e.what();
  }
}

TEST(CudaBackend, MissingLibdeviceIsAClearErrorOnlyForKernelsThatNeedIt) {
  ScopedEnv env("KILN_LIBDEVICE", "/no/such/libdevice.10.bc");
  KernelIR plain = map_kernel();
  plain.instrs[1] = make_instr(InstrKind::Compute, graph::Op::Negative, float32, {0});
  EXPECT_NE(ptx_of(plain, "sm_90").find(".entry"), std::string::npos);
  try {
    ptx_of(map_kernel(), "sm_90");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/libdevice.10.bc"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("KILN_LIBDEVICE"), std::string::npos) << e.what();
  }
}

TEST(CudaDriver, AbsentDriverIsReportedNotFatal) {
  ScopedEnv env("KILN_LIBCUDA", "/no/such/libcuda.so.1");
  std::string why;
  EXPECT_EQ(jit::cuda::Driver::open(why), nullptr);
  EXPECT_NE(why.find("cannot open the CUDA driver /no/such/libcuda.so.1"), std::string::npos)
      << why;
  EXPECT_FALSE(jit::device_usable(Device::cuda(0), why));
  EXPECT_TRUE(jit::device_usable(Device::cpu(), why));
  // Without a named SM the backend asks the driver, and says why it cannot.
  try {
    jit::make_backend(Device::cuda(0), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA is not available"), std::string::npos) << e.what();
  }
}

TEST(CudaDriver, ALibraryThatIsNotADriverIsRefused) {
  ScopedEnv env("KILN_LIBCUDA", "libm.so.6");
  std::string why;
  EXPECT_EQ(jit::cuda::Driver::open(why), nullptr);
  EXPECT_NE(why.find("has no cuInit"), std::string::npos) << why;
}

TEST(CudaDriver, TheToolkitsStubDriverDoesNotInitialise) {
  const char* stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
  if (::access(stub, R_OK) != 0) GTEST_SKIP() << "no CUDA toolkit stub library here";
  ScopedEnv env("KILN_LIBCUDA", stub);
  std::string why;
  EXPECT_EQ(jit::cuda::Driver::open(why), nullptr);
  EXPECT_NE(why.find("did not initialise"), std::string::npos) << why;
}
