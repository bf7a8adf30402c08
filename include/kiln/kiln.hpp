// kiln: a C++20 array library that looks eager and is lazy.
//
// Array calls record operations; at a sync point the pending expression is simplified, fused
// into kernels, compiled with LLVM and cached. This header brings in the whole public API.
#pragma once

#include "kiln/array.hpp"
#include "kiln/autodiff.hpp"
#include "kiln/compile.hpp"
#include "kiln/creation.hpp"
#include "kiln/device.hpp"
#include "kiln/dtype.hpp"
#include "kiln/einsum.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/error.hpp"
#include "kiln/fft.hpp"
#include "kiln/functional.hpp"
#include "kiln/gather.hpp"
#include "kiln/histograms.hpp"
#include "kiln/linalg.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/nanfunctions.hpp"
#include "kiln/placement.hpp"
#include "kiln/random.hpp"
#include "kiln/reductions.hpp"
#include "kiln/runtime.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"
#include "kiln/sorting.hpp"
#include "kiln/special.hpp"
#include "kiln/update.hpp"
