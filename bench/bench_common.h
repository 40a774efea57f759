/* Shared by credal_bench's files: deterministic inputs cached across benchmarks, reused
 * output buffers, the SPEC §6 check of lower expectations against the reference backend,
 * a monotonic clock and the throughput counters every benchmark reports. */
#ifndef CREDAL_BENCH_COMMON_H
#define CREDAL_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "benchmark_shim.h"
#include "credal.h"

/* Registration functions, one per bench_*.c, called by bench_main.c in this order. */
void bench_lower_register(void);
void bench_regret_register(void);
void bench_eval_register(void);
void bench_roofline_register(void);
void bench_structured_register(void);
void bench_codec_register(void);
void bench_rules_register(void);
void bench_mdp_register(void);
/* Removes the temporary files bench_eval wrote (safe to call when it wrote none). */
void bench_eval_cleanup(void);

/* ---- deterministic data: counter-based splitmix64, uniform in (-1, 1), never zero ---- */

/* Element i of stream `stream`; the same (stream, i) gives the same value on every run. */
double bench_uniform(uint64_t stream, uint64_t i);
uint64_t bench_bits(uint64_t stream, uint64_t i);

/* Generators (rows, d) and policies (P, d), generated on first use and cached: element
 * (r, j) depends only on (d, r, j), so a request for fewer rows (or policies) of the same d
 * is served from the cache without regenerating. One buffer of each is kept (the largest asked
 * for since d last changed). NULL on allocation failure. */
const double *bench_points(int64_t rows, int64_t d);
const double *bench_utility(int64_t policies, int64_t d);
/* Offsets of H hypotheses of K generators each, (H+1,), cached like the above. */
const int64_t *bench_offsets(int64_t H, int64_t K);

/* Output buffers reused across benchmarks (grown as needed): lower/argmin (n,). */
int bench_outputs(int64_t n, double **lower, int32_t **argmin);
/* Fills lower with NaN and argmin with -7, so an element no backend wrote cannot pass. */
void bench_poison(int64_t n, double *lower, int32_t *argmin);

/* ---- checks ---- */

/* The SPEC §6 check of (lower, argmin) (H, P) of batch b computed in float64 (f32 = 0) or
 * float32 (f32 = 1): every value finite and every argmin inside its hypothesis; on `samples`
 * (h, p) pairs (the corners and pseudo-random ones) the value equal to the reference backend's
 * (credal_lower_f64 with CREDAL_BACKEND_REFERENCE on that hypothesis and policy) within
 * atol + rtol*|ref|, and a different argmin only where its exact value is within that
 * tolerance too. Returns the number of problems; the first one described in msg. */
int64_t bench_check_lower(const credal_batch_f64 *b, int f32, const double *lower,
                          const int32_t *argmin, int samples, char *msg, size_t cap);

/* ---- timing and counters ---- */

double bench_now(void); /* CLOCK_MONOTONIC seconds */

/* The throughput of one evaluation of a batch, reported per second (invariant rates):
 *   pairs/s   generator x policy pairs  (rows * P)
 *   GFLOP/s   2 * rows * P * d / 1e9
 *   GB/s      bytes moved once / 1e9: points (rows, d) and utility (P, d) as the API's
 *             float64, lower (H, P) float64 and argmin (H, P) int32 */
void bench_lower_counters(credal_bench_state *st, int64_t H, int64_t rows, int64_t d,
                          int64_t P);

/* Cores online (1..256). */
int bench_cores(void);

#endif /* CREDAL_BENCH_COMMON_H */
