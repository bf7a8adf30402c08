// Discrete Fourier transforms with numpy.fft's names and arguments, computed by FFTW at the sync
// (operands that are lazy expressions are evaluated first; the normalisation is a lazy multiply
// that fuses with what uses the result). As in NumPy 2, float32 and complex64 inputs are
// transformed in single precision (complex64 results, float32 for irfft) and everything else in
// double precision (complex128, float64 for irfft; integers and bool count as float64).
#pragma once

#include <source_location>
#include <string_view>
#include <vector>

#include "kiln/array.hpp"

namespace kiln::fft {

/// numpy's fft(a, n=None, axis=-1, norm=None): the 1-d DFT along `axis`, the input cropped or
/// zero-padded to `n` points (n = -1: the axis' length). `norm` is "backward" (the default:
/// no scaling forward, 1/n inverse), "ortho" (1/sqrt(n) both ways) or "forward" (1/n forward).
Array fft(const Array& a, int64_t n = -1, int axis = -1, std::string_view norm = "backward",
          std::source_location loc = std::source_location::current());
/// numpy's ifft: the inverse of fft.
Array ifft(const Array& a, int64_t n = -1, int axis = -1, std::string_view norm = "backward",
           std::source_location loc = std::source_location::current());
/// numpy's rfft: the DFT of real (float32) input, the n/2 + 1 non-negative frequencies.
Array rfft(const Array& a, int64_t n = -1, int axis = -1, std::string_view norm = "backward",
           std::source_location loc = std::source_location::current());
/// numpy's irfft: the inverse of rfft, a float32 signal of n points (n = -1: 2 * (m - 1) for
/// m input points). The imaginary parts of the zero and (even n) Nyquist frequencies are
/// ignored, as in numpy.
Array irfft(const Array& a, int64_t n = -1, int axis = -1, std::string_view norm = "backward",
            std::source_location loc = std::source_location::current());
/// numpy's fft2(a, s=None, axes=(-2, -1), norm=None): fft over each of `axes` (`s`: the point
/// counts along them, empty for the axes' lengths).
Array fft2(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {-2, -1},
           std::string_view norm = "backward",
           std::source_location loc = std::source_location::current());
/// numpy's ifft2: the inverse of fft2.
Array ifft2(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {-2, -1},
            std::string_view norm = "backward",
            std::source_location loc = std::source_location::current());

/// numpy's fftn(a, s=None, axes=None, norm=None): fft over each of `axes` (empty: every axis, or
/// the last s.size() when `s` is given), `s` the point counts along them (empty: the axes').
Array fftn(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {},
           std::string_view norm = "backward",
           std::source_location loc = std::source_location::current());
/// numpy's ifftn: the inverse of fftn.
Array ifftn(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {},
            std::string_view norm = "backward",
            std::source_location loc = std::source_location::current());
/// numpy's rfftn: rfft along the last of `axes`, then fft along the others.
Array rfftn(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {},
            std::string_view norm = "backward",
            std::source_location loc = std::source_location::current());
/// numpy's irfftn: the inverse of rfftn (the last axis' length 2 * (m - 1) without `s`).
Array irfftn(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {},
             std::string_view norm = "backward",
             std::source_location loc = std::source_location::current());
/// numpy's rfft2: rfftn over the last two axes.
Array rfft2(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {-2, -1},
            std::string_view norm = "backward",
            std::source_location loc = std::source_location::current());
/// numpy's irfft2: irfftn over the last two axes.
Array irfft2(const Array& a, const Shape& s = {}, const std::vector<int>& axes = {-2, -1},
             std::string_view norm = "backward",
             std::source_location loc = std::source_location::current());
/// numpy's hfft: the real spectrum of a Hermitian-symmetric signal (irfft of its conjugate, the
/// norm's direction swapped).
Array hfft(const Array& a, int64_t n = -1, int axis = -1, std::string_view norm = "backward",
           std::source_location loc = std::source_location::current());
/// numpy's ihfft: the inverse of hfft (the conjugate of rfft, the norm's direction swapped).
Array ihfft(const Array& a, int64_t n = -1, int axis = -1, std::string_view norm = "backward",
            std::source_location loc = std::source_location::current());
/// numpy's fftfreq: the sample frequencies [0, 1, ..., -(n/2), ..., -1] / (n d), float64.
Array fftfreq(int64_t n, double d = 1.0,
              std::source_location loc = std::source_location::current());
/// numpy's rfftfreq: [0, 1, ..., n/2] / (n d), float64.
Array rfftfreq(int64_t n, double d = 1.0,
               std::source_location loc = std::source_location::current());
/// numpy's fftshift: each of `axes` (empty: all) rolled by half its length, the zero frequency to
/// the middle.
Array fftshift(const Array& x, const std::vector<int>& axes = {},
               std::source_location loc = std::source_location::current());
/// numpy's ifftshift: the inverse of fftshift.
Array ifftshift(const Array& x, const std::vector<int>& axes = {},
                std::source_location loc = std::source_location::current());

}  // namespace kiln::fft
