/* The content digest of an input; see digest.h. */
#include "digest.h"

#include <stdlib.h>
#include <string.h>

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30, x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27, x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* One value into a running hash: each step is a bijection of acc, so two sequences that differ
 * in one value always leave different hashes. */
static uint64_t absorb(uint64_t acc, double x) {
  uint64_t w;
  memcpy(&w, &x, sizeof w);
  acc = (acc ^ w) * 0x9e3779b97f4a7c15ull;
  return acc << 31 | acc >> 33;
}

uint64_t credal__digest_rows(int64_t h, int64_t row0, int64_t rows, int64_t d,
                             const double *points, const double *scalars) {
  uint64_t sum = 0;
  for (int64_t r = 0; r < rows; r++) {
    /* four independent chains (the multiplies overlap), folded through bijections */
    uint64_t a = mix((uint64_t)h * 0xff51afd7ed558ccdull ^ mix((uint64_t)(row0 + r) + 1));
    uint64_t b = a + 1, c = a + 2, e = a + 3;
    const double *x = points + r * d;
    int64_t k = 0;
    for (; k + 4 <= d; k += 4)
      a = absorb(a, x[k]), b = absorb(b, x[k + 1]), c = absorb(c, x[k + 2]), e = absorb(e, x[k + 3]);
    for (; k < d; k++) a = absorb(a, x[k]);
    if (scalars) a = absorb(a, scalars[r]);
    sum += mix(a + mix(b + mix(c + mix(e))));
  }
  return sum;
}

uint64_t credal__digest_hypothesis(int64_t h, credal_family family, int64_t rows,
                                   const double *prior, const double *prior_set, int64_t Q,
                                   int64_t stride) {
  uint64_t acc = mix(~(uint64_t)h * 0xc4ceb9fe1a85ec53ull ^ mix((uint64_t)family << 56 ^ (uint64_t)rows));
  if (prior) acc = absorb(acc, *prior);
  for (int64_t q = 0; q < Q; q++) acc = absorb(acc, prior_set[q * stride]);
  return mix(acc);
}

/* Hypotheses of one family from h on, at most `most`, whose rows fit `cap` (at least one):
 * their count, offsets[0 .. count] relative to the family's rows. */
static credal_status plan_block(credal_input *in, credal_family f, int64_t i0, int64_t most,
                                int64_t cap, int64_t *offsets, int64_t *count) {
  credal_status st = credal__input_family_offsets(in, f, i0, most, offsets);
  int64_t n = 1;
  while (!st && n < most && offsets[n + 1] - offsets[0] <= cap) n++;
  *count = n;
  return st;
}

#define DIGEST_BLOCK 4096 /* hypotheses per read */

credal_status credal__digest_input(credal_input *in, int64_t h0, int64_t h1, uint64_t budget,
                                   uint64_t *out) {
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t d = s->dim, Q = s->prior_set_size;
  int64_t cap = (int64_t)(budget / (uint64_t)((d + 1) * 8));
  if (cap < 1) cap = 1;
  int64_t *offsets = malloc((DIGEST_BLOCK + 1) * sizeof *offsets);
  double *prior = malloc(DIGEST_BLOCK * sizeof *prior);
  double *prior_set = malloc((size_t)(Q > 0 ? Q : 1) * DIGEST_BLOCK * sizeof *prior_set);
  double *rows = malloc((size_t)cap * (size_t)d * sizeof *rows);
  double *scalars = malloc((size_t)cap * sizeof *scalars);
  credal_status st = offsets && prior && prior_set && rows && scalars
                         ? CREDAL_OK
                         : credal__fail(CREDAL_ENOMEM, "out of memory for the input's digest");
  uint64_t sum = 0;
  for (int64_t h = h0; !st && h < h1;) {
    int64_t i0, count;
    const credal_family f = credal__input_family_of(in, h, &i0);
    int64_t most = s->family_hypotheses[f] - i0;
    if (most > h1 - h) most = h1 - h;
    if (most > DIGEST_BLOCK) most = DIGEST_BLOCK;
    if ((st = plan_block(in, f, i0, most, cap, offsets, &count))) break;
    if ((s->has_prior && (st = credal__input_prior(in, h, count, prior))) ||
        (Q && (st = credal__input_prior_set(in, h, count, prior_set))))
      break;
    const int with_scalars = f == CREDAL_FAMILY_GENERATORS ? s->has_constants
                                                           : f != CREDAL_FAMILY_INTERVALS;
    double *sc = with_scalars ? scalars : NULL;
    const int64_t all = offsets[count] - offsets[0];
    if (all <= cap && !(st = credal__input_family_rows(in, f, offsets[0], all, rows, sc)))
      for (int64_t i = 0; i < count; i++) { /* the block's rows at once */
        const int64_t r0 = offsets[i] - offsets[0], n = offsets[i + 1] - offsets[i];
        sum += credal__digest_rows(h + i, 0, n, d, rows + r0 * d, sc ? sc + r0 : NULL);
      }
    for (int64_t k = 0; all > cap && k < all && !st; k += cap) { /* one hypothesis, in pieces */
      const int64_t piece = all - k < cap ? all - k : cap;
      if (!(st = credal__input_family_rows(in, f, offsets[0] + k, piece, rows, sc)))
        sum += credal__digest_rows(h, k, piece, d, rows, sc);
    }
    for (int64_t i = 0; i < count; i++)
      sum += credal__digest_hypothesis(h + i, f, offsets[i + 1] - offsets[i],
                                       s->has_prior ? prior + i : NULL, prior_set + i, Q, count);
    h += count;
  }
  free(offsets), free(prior), free(prior_set), free(rows), free(scalars);
  *out = sum;
  return st;
}
