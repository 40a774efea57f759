/* Tiles of inner products for the cpu backend: v (n, np) = X (n, d) . U_block^T, with U packed
 * once into panels. Every value is one fused multiply-add chain over k = 0..d-1 in order,
 * whatever the tile's shape, so results do not depend on how rows or policies were grouped
 * (only on the instruction set chosen at start: AVX-512, AVX2+FMA, or portable C). */
#ifndef CREDAL_CPU_TILE_H
#define CREDAL_CPU_TILE_H

#include <stdint.h>

typedef struct {
  int64_t policies, dim;
  int nr;              /* policies per panel */
  int64_t panels;
  double *packed;      /* (panels, d, nr): panel j holds policies j*nr .. j*nr+nr-1, zero-padded */
  float *packed_f;     /* the same in float32, or NULL */
  double *utility;     /* (P, d) as given, for the row-major kernel of P <= 2 */
  const char *isa;     /* "avx512", "avx2" or "portable" */
} credal__tile_policies;

/* Packs (P, d) policies for the widest instruction set this CPU has; f32 also packs floats.
 * Returns 0, or -1 when out of memory. */
int credal__tile_pack(credal__tile_policies *t, const double *utility, int64_t policies,
                      int64_t dim, int f32);
void credal__tile_free(credal__tile_policies *t);

/* v (n, p1-p0) row-major = X (n, d) . U[p0:p1]^T; p0 must be a multiple of t->nr. */
void credal__tile_values(const credal__tile_policies *t, const double *x, int64_t n, int64_t p0,
                         int64_t p1, double *v);
/* The same in float32: x (n, d) floats, v (n, p1-p0) floats. */
void credal__tile_values_f32(const credal__tile_policies *t, const float *x, int64_t n,
                             int64_t p0, int64_t p1, float *v);

#endif /* CREDAL_CPU_TILE_H */
