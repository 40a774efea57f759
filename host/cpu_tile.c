/* Tiles of inner products for the cpu backend; see cpu_tile.h.
 *
 * Policies are packed into panels of one SIMD vector's width (8 doubles with AVX-512, 4 with
 * AVX2, 1 in portable C): panel j, coordinate k holds u[j*nr .. j*nr+nr-1][k]. A micro-kernel
 * keeps MR rows x NP panels of accumulators in registers and walks k, broadcasting x[i][k]
 * and multiplying by the panel's vector: acc = fma(x, u, acc). Every value is therefore the
 * same FMA chain over k in order in every kernel shape, so how rows and policies are grouped
 * never changes a bit. (With one or two policies on AVX-512, a row-major dot product serves
 * instead; it too depends only on P and d, never on the grouping.) */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_tile.h"

enum { ISA_PORTABLE, ISA_AVX2, ISA_AVX512 };

static int detect_isa(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
#endif
  return ISA_PORTABLE;
}

static int isa_of(const credal__tile_policies *t) {
  return t->nr == 8 ? ISA_AVX512 : t->nr == 4 ? ISA_AVX2 : ISA_PORTABLE;
}

int credal__tile_pack(credal__tile_policies *t, const double *u, int64_t P, int64_t d, int f32) {
  memset(t, 0, sizeof *t);
  const int isa = detect_isa();
  t->nr = isa == ISA_AVX512 ? 8 : isa == ISA_AVX2 ? 4 : 1;
  t->isa = isa == ISA_AVX512 ? "avx512" : isa == ISA_AVX2 ? "avx2" : "portable";
  t->policies = P, t->dim = d;
  t->panels = (P + t->nr - 1) / t->nr;
  const size_t n = (size_t)(t->panels * d * t->nr);
  t->packed = aligned_alloc(64, ((n * sizeof(double)) + 63) / 64 * 64);
  t->utility = malloc((size_t)(P * d) * sizeof(double));
  if (!t->packed || !t->utility) return -1;
  memcpy(t->utility, u, (size_t)(P * d) * sizeof(double));
  /* float32 panels hold twice the policies per vector: 16 (AVX-512) or 8 (AVX2) */
  for (int64_t j = 0; j < t->panels; j++)
    for (int64_t k = 0; k < d; k++)
      for (int c = 0; c < t->nr; c++) {
        const int64_t p = j * t->nr + c;
        t->packed[(j * d + k) * t->nr + c] = p < P ? u[p * d + k] : 0.0;
      }
  if (f32) {
    t->packed_f = aligned_alloc(64, ((n * sizeof(float)) + 63) / 64 * 64);
    if (!t->packed_f) return -1;
    for (size_t i = 0; i < n; i++) t->packed_f[i] = (float)t->packed[i];
  }
  return 0;
}

void credal__tile_free(credal__tile_policies *t) {
  if (!t) return;
  free(t->packed);
  free(t->packed_f);
  free(t->utility);
  memset(t, 0, sizeof *t);
}

/* ---- portable C: one policy per panel, fma() chains ---- */

static void values_portable(const credal__tile_policies *t, const double *x, int64_t n,
                            int64_t p0, int64_t p1, double *v) {
  const int64_t d = t->dim, np = p1 - p0;
  for (int64_t i = 0; i < n; i++)
    for (int64_t q = 0; q < np; q++) {
      const double *pan = t->packed + (p0 + q) * d;
      double acc = 0.0;
      for (int64_t k = 0; k < d; k++) acc = fma(x[i * d + k], pan[k], acc);
      v[i * np + q] = acc;
    }
}

static void values_portable_f32(const credal__tile_policies *t, const float *x, int64_t n,
                                int64_t p0, int64_t p1, float *v) {
  const int64_t d = t->dim, np = p1 - p0;
  for (int64_t i = 0; i < n; i++)
    for (int64_t q = 0; q < np; q++) {
      const float *pan = t->packed_f + (p0 + q) * d;
      float acc = 0.0f;
      for (int64_t k = 0; k < d; k++) acc = fmaf(x[i * d + k], pan[k], acc);
      v[i * np + q] = acc;
    }
}

/* ---- SIMD kernels, generated for each instruction set and type ----
 * NAME##_full: 8 rows x 3 panels, all valid (the hot path, no branches in the k loop);
 * NAME##_edge: up to 8 rows x up to 3 panels; both store only the valid columns. */
#define UNROLL _Pragma("GCC unroll 8")
/* The k loop reads 8 rows column by column, a pattern the hardware prefetcher misses: fetch the
 * next 8 rows' cache lines ahead, one line per k (8 rows x d values = d lines of 64 bytes for
 * float64). Into L2 (T1), not L1: L1 tracks only about a dozen misses at a time, which capped a
 * core at ~8 GB/s; L2 keeps several times more in flight (P=4: 67% -> 73% of the machine's read
 * bandwidth). The address is computed as an integer: a prefetch past the end is only a hint. */
#define PREFETCH_NEXT(x, d, k, size)                                                              \
  _mm_prefetch((const char *)((uintptr_t)(x) + (uintptr_t)(8 * (d) * (size)) +                   \
                              (uintptr_t)(k) * 64),                                               \
               _MM_HINT_T1)
#define DEFINE_KERNELS(NAME, TARGET, T, VEC, WIDTH, SETZERO, LOADV, BCAST, FMA, STOREV)           \
  __attribute__((target(TARGET))) static inline void NAME##_store(T *v, int64_t ldv, VEC a,    \
                                                                   int64_t valid) {             \
    T lane[WIDTH] __attribute__((aligned(64)));                                                   \
    STOREV(lane, a);                                                                              \
    const int64_t m = valid < WIDTH ? valid : WIDTH;                                              \
    for (int64_t c = 0; c < m; c++) v[c] = lane[c];                                               \
    (void)ldv;                                                                                    \
  }                                                                                               \
  __attribute__((target(TARGET))) static void NAME##_full(const T *x, int64_t d, const T *pan,   \
                                                          T *v, int64_t ldv, int64_t valid) {    \
    VEC acc[8][3];                                                                                \
    UNROLL for (int i = 0; i < 8; i++) UNROLL for (int j = 0; j < 3; j++) acc[i][j] = SETZERO(); \
    const T *p0 = pan, *p1 = pan + d * WIDTH, *p2 = pan + 2 * d * WIDTH;                         \
    for (int64_t k = 0; k < d; k++) {                                                             \
      PREFETCH_NEXT(x, d, k, sizeof(T));                                                          \
      const VEC u0 = LOADV(p0 + k * WIDTH), u1 = LOADV(p1 + k * WIDTH), u2 = LOADV(p2 + k * WIDTH); \
      UNROLL for (int i = 0; i < 8; i++) {                                                        \
        const VEC xi = BCAST(x[i * d + k]);                                                       \
        acc[i][0] = FMA(xi, u0, acc[i][0]);                                                       \
        acc[i][1] = FMA(xi, u1, acc[i][1]);                                                       \
        acc[i][2] = FMA(xi, u2, acc[i][2]);                                                       \
      }                                                                                           \
    }                                                                                             \
    UNROLL for (int i = 0; i < 8; i++) UNROLL for (int j = 0; j < 3; j++)                         \
        NAME##_store(v + i * ldv + j * WIDTH, ldv, acc[i][j], valid - j * WIDTH);                 \
  }                                                                                               \
  __attribute__((target(TARGET))) static void NAME##_edge(const T *x, int64_t d, const T *pan,   \
                                                          int64_t rows, int64_t panels, T *v,    \
                                                          int64_t ldv, int64_t valid) {          \
    for (int64_t i = 0; i < rows; i++)                                                            \
      for (int64_t j = 0; j < panels; j++) {                                                      \
        VEC acc = SETZERO();                                                                      \
        const T *pj = pan + j * d * WIDTH;                                                        \
        for (int64_t k = 0; k < d; k++) acc = FMA(BCAST(x[i * d + k]), LOADV(pj + k * WIDTH), acc); \
        NAME##_store(v + i * ldv + j * WIDTH, ldv, acc, valid - j * WIDTH);                       \
      }                                                                                           \
  }                                                                                               \
  __attribute__((target(TARGET))) static void NAME##_narrow(const T *x, int64_t d, const T *pan, \
                                                            T *v, int64_t ldv, int64_t valid) {  \
    /* 8 rows x 1 panel: small P, where the work is reading x */                                  \
    VEC acc[8];                                                                                   \
    UNROLL for (int i = 0; i < 8; i++) acc[i] = SETZERO();                                        \
    for (int64_t k = 0; k < d; k++) {                                                             \
      PREFETCH_NEXT(x, d, k, sizeof(T));                                                          \
      const VEC u = LOADV(pan + k * WIDTH);                                                       \
      UNROLL for (int i = 0; i < 8; i++) acc[i] = FMA(BCAST(x[i * d + k]), u, acc[i]);           \
    }                                                                                             \
    UNROLL for (int i = 0; i < 8; i++) NAME##_store(v + i * ldv, ldv, acc[i], valid);             \
  }                                                                                               \
  __attribute__((target(TARGET))) static void NAME##_values(                                     \
      const T *x, int64_t n, int64_t d, const T *packed, int64_t p0, int64_t p1, T *v) {          \
    const int64_t np = p1 - p0, first = p0 / WIDTH, last = (p1 + WIDTH - 1) / WIDTH;             \
    for (int64_t i0 = 0; i0 < n; i0 += 8) {                                                       \
      const int64_t rows = n - i0 < 8 ? n - i0 : 8;                                               \
      for (int64_t j = first; j < last;) {                                                        \
        const int64_t panels = last - j < 3 ? last - j : 3;                                       \
        const int64_t c0 = (j - first) * WIDTH;                                                   \
        const T *pan = packed + j * d * WIDTH;                                                    \
        T *out = v + i0 * np + c0;                                                                \
        if (rows == 8 && panels == 3) NAME##_full(x + i0 * d, d, pan, out, np, np - c0);          \
        else if (rows == 8) {                                                                     \
          for (int64_t q = 0; q < panels; q++)                                                    \
            NAME##_narrow(x + i0 * d, d, pan + q * d * WIDTH, out + q * WIDTH, np,               \
                          np - c0 - q * WIDTH);                                                   \
        } else NAME##_edge(x + i0 * d, d, pan, rows, panels, out, np, np - c0);                   \
        j += panels;                                                                              \
      }                                                                                           \
    }                                                                                             \
  }

#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_KERNELS(avx512_f64, "avx512f", double, __m512d, 8, _mm512_setzero_pd, _mm512_load_pd,
               _mm512_set1_pd, _mm512_fmadd_pd, _mm512_store_pd)
DEFINE_KERNELS(avx2_f64, "avx2,fma", double, __m256d, 4, _mm256_setzero_pd, _mm256_load_pd,
               _mm256_set1_pd, _mm256_fmadd_pd, _mm256_store_pd)
/* float32 panels hold nr floats: 8 (one AVX register) on AVX-512 machines, 4 on AVX2 ones */
DEFINE_KERNELS(avx512_f32, "avx2,fma", float, __m256, 8, _mm256_setzero_ps, _mm256_load_ps,
               _mm256_set1_ps, _mm256_fmadd_ps, _mm256_store_ps)
DEFINE_KERNELS(avx2_f32, "fma", float, __m128, 4, _mm_setzero_ps, _mm_load_ps, _mm_set1_ps,
               _mm_fmadd_ps, _mm_store_ps)
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* One or two policies: reading x is all the work, and reading it row by row lets the hardware
 * prefetcher stream it (59% -> see docs/performance.md). Each value is a dot product in a fixed
 * order for a given d: two 8-wide FMA chains over k, then a fixed reduction tree. */
__attribute__((target("avx512f"))) static void avx512_rowdots(const double *x, int64_t n,
                                                              int64_t d, const double *u,
                                                              int64_t P, double *v) {
  for (int64_t i = 0; i < n; i++) {
    const double *xi = x + i * d;
    for (int64_t p = 0; p < P; p++) {
      const double *up = u + p * d;
      __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
      int64_t k = 0;
      for (; k + 16 <= d; k += 16) {
        a0 = _mm512_fmadd_pd(_mm512_loadu_pd(xi + k), _mm512_loadu_pd(up + k), a0);
        a1 = _mm512_fmadd_pd(_mm512_loadu_pd(xi + k + 8), _mm512_loadu_pd(up + k + 8), a1);
      }
      double s = _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
      for (; k < d; k++) s = fma(xi[k], up[k], s);
      v[i * P + p] = s;
    }
  }
}
#endif

void credal__tile_values(const credal__tile_policies *t, const double *x, int64_t n, int64_t p0,
                         int64_t p1, double *v) {
  switch (isa_of(t)) {
#if defined(__x86_64__) && defined(__GNUC__)
    case ISA_AVX512:
      if (t->policies <= 2 && t->dim >= 16) {
        avx512_rowdots(x, n, t->dim, t->utility + p0 * t->dim, p1 - p0, v);
        return;
      }
      avx512_f64_values(x, n, t->dim, t->packed, p0, p1, v);
      return;
    case ISA_AVX2: avx2_f64_values(x, n, t->dim, t->packed, p0, p1, v); return;
#endif
    default: values_portable(t, x, n, p0, p1, v);
  }
}

void credal__tile_values_f32(const credal__tile_policies *t, const float *x, int64_t n,
                             int64_t p0, int64_t p1, float *v) {
  switch (isa_of(t)) {
#if defined(__x86_64__) && defined(__GNUC__)
    case ISA_AVX512: avx512_f32_values(x, n, t->dim, t->packed_f, p0, p1, v); return;
    case ISA_AVX2: avx2_f32_values(x, n, t->dim, t->packed_f, p0, p1, v); return;
#endif
    default: values_portable_f32(t, x, n, p0, p1, v);
  }
}
