/* The intervals' and TV balls' inner problems of several choices of one successor count at once,
 * a choice per SIMD lane (8 with AVX-512, 4 with AVX2): the cpu backend's sweep
 * (credal__mdp_sweep with a fast scratch). A choice's few successors make the scalar pass a
 * chain of dependent additions and a data-dependent sort; across lanes the chains run side by
 * side and a sorting network on (value, successor index) replaces the sort without a branch.
 * Every lane performs host/mdp.c's scalar operations in its order, so the values are the
 * reference's bits (tests/check_mdp_lanes.c). */
#include <stdlib.h>

#include "mdp.h"
#include "mdp_networks.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define L_CAT2(a, b) a##b
#define L_CAT(a, b) L_CAT2(a, b)
#define L_FN(name) L_CAT(L_PREFIX, name)

/* AVX-512: 8 lanes, mask registers */
#define L_PREFIX avx512_
#define L_TARGET "avx512f"
#define VD __m512d
#define VI __m512i
#define L_LOADI(p) _mm512_loadu_si512((const void *)(p))
#define L_ADDI(a, i) _mm512_add_epi64(a, _mm512_set1_epi64(i))
#define L_GATHERI(at, base) _mm512_i64gather_epi64(at, (const void *)(base), 8)
#define L_GATHER(at, base) _mm512_i64gather_pd(at, (const void *)(base), 8)
#define L_SET1 _mm512_set1_pd
#define L_ADD _mm512_add_pd
#define L_SUB _mm512_sub_pd
#define L_MUL _mm512_mul_pd
#define L_MIN _mm512_min_pd /* a < b ? a : b, as the scalar passes write it */
#define L_MAX _mm512_max_pd /* a > b ? a : b */
#define L_STORE _mm512_storeu_pd
#define L_IF_POSITIVE(x, yes, no) \
  _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ), no, yes)
/* b before a when (kb, ib) < (ka, ia): the scalar sort's ties go to the lower successor */
#define L_EXCHANGE(ka, kb, pa, pb, ia, ib)                                                    \
  do {                                                                                        \
    const __mmask8 swap = _mm512_cmp_pd_mask(kb, ka, _CMP_LT_OQ) |                            \
                          _mm512_mask_cmp_pd_mask(_mm512_cmp_pd_mask(kb, ka, _CMP_EQ_OQ), ib, \
                                                  ia, _CMP_LT_OQ);                            \
    const VD k0 = ka, p0 = pa, i0 = ia;                                                       \
    ka = _mm512_mask_blend_pd(swap, ka, kb), kb = _mm512_mask_blend_pd(swap, kb, k0);         \
    pa = _mm512_mask_blend_pd(swap, pa, pb), pb = _mm512_mask_blend_pd(swap, pb, p0);         \
    ia = _mm512_mask_blend_pd(swap, ia, ib), ib = _mm512_mask_blend_pd(swap, ib, i0);         \
  } while (0)
#include "mdp_lanes.inc"
#undef L_PREFIX
#undef L_TARGET
#undef VD
#undef VI
#undef L_LOADI
#undef L_ADDI
#undef L_GATHERI
#undef L_GATHER
#undef L_SET1
#undef L_ADD
#undef L_SUB
#undef L_MUL
#undef L_MIN
#undef L_MAX
#undef L_STORE
#undef L_IF_POSITIVE
#undef L_EXCHANGE

/* AVX2: 4 lanes, masks as vectors */
#define L_PREFIX avx2_
#define L_TARGET "avx2"
#define VD __m256d
#define VI __m256i
#define L_LOADI(p) _mm256_loadu_si256((const __m256i *)(p))
#define L_ADDI(a, i) _mm256_add_epi64(a, _mm256_set1_epi64x(i))
#define L_GATHERI(at, base) _mm256_i64gather_epi64((const long long *)(base), at, 8)
#define L_GATHER(at, base) _mm256_i64gather_pd((const double *)(base), at, 8)
#define L_SET1 _mm256_set1_pd
#define L_ADD _mm256_add_pd
#define L_SUB _mm256_sub_pd
#define L_MUL _mm256_mul_pd
#define L_MIN _mm256_min_pd
#define L_MAX _mm256_max_pd
#define L_STORE _mm256_storeu_pd
#define L_IF_POSITIVE(x, yes, no) \
  _mm256_blendv_pd(no, yes, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ))
#define L_EXCHANGE(ka, kb, pa, pb, ia, ib)                                                    \
  do {                                                                                        \
    const VD swap = _mm256_or_pd(_mm256_cmp_pd(kb, ka, _CMP_LT_OQ),                           \
                                 _mm256_and_pd(_mm256_cmp_pd(kb, ka, _CMP_EQ_OQ),             \
                                               _mm256_cmp_pd(ib, ia, _CMP_LT_OQ)));           \
    const VD k0 = ka, p0 = pa, i0 = ia;                                                       \
    ka = _mm256_blendv_pd(ka, kb, swap), kb = _mm256_blendv_pd(kb, k0, swap);                 \
    pa = _mm256_blendv_pd(pa, pb, swap), pb = _mm256_blendv_pd(pb, p0, swap);                 \
    ia = _mm256_blendv_pd(ia, ib, swap), ib = _mm256_blendv_pd(ib, i0, swap);                 \
  } while (0)
#include "mdp_lanes.inc"

int credal__mdp_lanes_width(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 8;
  if (__builtin_cpu_supports("avx2")) return 4;
  return 0;
}

void credal__mdp_lanes(const credal_mdp *m, int width, const int64_t *choices,
                       const int64_t *firsts, int64_t n, const double *v, int cooperative,
                       double *out) {
  if (width == 8) avx512_sizes[n](m, choices, firsts, v, cooperative, out);
  else avx2_sizes[n](m, choices, firsts, v, cooperative, out);
}

#else /* no SIMD lanes: the sweep keeps the scalar passes */

int credal__mdp_lanes_width(void) {
  return 0;
}

void credal__mdp_lanes(const credal_mdp *m, int width, const int64_t *choices,
                       const int64_t *firsts, int64_t n, const double *v, int cooperative,
                       double *out) {
  (void)m, (void)width, (void)choices, (void)firsts, (void)n, (void)v, (void)cooperative;
  (void)out;
  abort(); /* never called: the width is 0 */
}
#endif
