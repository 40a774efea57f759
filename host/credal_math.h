/* Per-element math shared by every backend (C today, CUDA kernels later), so that the
 * reference loop and the fast paths cannot drift apart. */
#ifndef CREDAL_MATH_H
#define CREDAL_MATH_H

#include <stdint.h>

#if defined(__CUDACC__)
#define CREDAL_HD __host__ __device__ __forceinline__
#else
#define CREDAL_HD static inline
#endif

/* Host loops worth a clone per vector width (AVX-512, AVX2, baseline), picked when the library
 * loads: the library is built for the baseline ISA, and these are most of their callers' time. */
#if !defined(__CUDACC__) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CREDAL_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CREDAL_VECTOR_CLONES
#endif

/* v(k, p) = <x_k, u_p> + b_k, summed in coordinate order j = 0..d-1. */
CREDAL_HD double credal_value_f64(const double *x, const double *u, int64_t d, double b) {
  double s = 0.0;
  for (int64_t j = 0; j < d; j++) s += x[j] * u[j];
  return s + b;
}

/* x is finite: false for +-inf and NaN (written so that it vectorises and needs no libm). */
CREDAL_HD int credal_finite(double x) { return x - x == 0.0; }

/* Running minimum that keeps the lowest index on exact ties: candidates arrive in increasing
 * index order, so only a strictly smaller value replaces the incumbent. A value that is not
 * finite (an overflow: 1e300 * 1e10, or inf - inf) wins and then stays, whichever extreme is
 * sought, so the caller's finiteness check refuses the result instead of a minimum silently
 * taken over the other generators. */
CREDAL_HD int credal_improves_min(double candidate, double incumbent) {
  return credal_finite(incumbent) && (candidate < incumbent || !credal_finite(candidate));
}
CREDAL_HD int credal_improves_max(double candidate, double incumbent) {
  return credal_finite(incumbent) && (candidate > incumbent || !credal_finite(candidate));
}

#endif /* CREDAL_MATH_H */
