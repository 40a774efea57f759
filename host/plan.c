/* Chunk planning from the memory budget; see plan.h for the accounting. */
#include "../io/paths.h"
#include "plan.h"
#include "regret.h"

credal_status credal__plan_make(credal__plan *plan, uint64_t memory_bytes, int64_t policies,
                                int64_t dim, int64_t prior_set_size, int has_prior, int upper,
                                uint64_t out_cache_bytes, int slots, int structured,
                                const credal__plan_extra *extra) {
  const uint64_t P = (uint64_t)policies, d = (uint64_t)dim, Q = (uint64_t)prior_set_size;
  uint64_t utility, per_h_out, per_h, per_k, resident;
  int overflow = credal__mul_u64(P, d * 8, &utility);
  overflow |= credal__mul_u64(P, upper ? 32 : 20, &per_h_out);
  overflow |= credal__add_u64(per_h_out, 8 + 4 + 8 + 8 + Q * 8, &per_h);
  overflow |= credal__mul_u64(d, 8, &per_k);
  per_k += 8;
  overflow |= credal__add_u64(utility, credal__regret_bytes(policies, has_prior, prior_set_size),
                              &resident);
  /* finishing: credal_regret (P) + its prior index (P); merging pieces: 2 x (P values, P indices) */
  overflow |= credal__add_u64(resident, P * 12 + P * 24 + out_cache_bytes + CREDAL_HDF5_ALLOWANCE, &resident);
  /* structured sets: the policies' utility orders (int32), shared by every chunk */
  if (structured) overflow |= credal__add_u64(resident, utility / 2, &resident);
  if (extra) {
    overflow |= credal__add_u64(resident, extra->resident_bytes, &resident);
    overflow |= credal__add_u64(per_h, extra->bytes_per_hypothesis, &per_h);
  }
  if (overflow)
    return credal__fail(CREDAL_EDATA, "sizes overflow 64 bits (P=%lld, d=%lld, Q=%lld)",
                        (long long)policies, (long long)dim, (long long)prior_set_size);
  if (slots < 1) slots = 1;
  /* each slot holds at least one hypothesis: one generator, or the two rows of an interval set */
  const uint64_t minimum =
      resident + (uint64_t)slots * (per_h + (structured ? 2 : 1) * per_k + CREDAL_SLOT_SLACK);
  if (memory_bytes < minimum)
  {
    char have[32], need[32], hint[96];
    return credal__fail(CREDAL_EUSAGE,
                        "--memory %s is too small for P=%lld, d=%lld, Q=%lld: at least %llu bytes "
                        "(%s) are needed%s",
                        credal__format_bytes(memory_bytes, have, sizeof have), (long long)policies,
                        (long long)dim, (long long)prior_set_size, (unsigned long long)minimum,
                        credal__format_bytes(minimum, need, sizeof need),
                        credal__memory_unit_hint(memory_bytes, hint, sizeof hint));
  }
  plan->resident_bytes = resident;
  plan->arena_bytes = (memory_bytes - resident) / (uint64_t)slots - CREDAL_SLOT_SLACK;
  plan->bytes_per_hypothesis = per_h;
  plan->bytes_per_generator = per_k;
  plan->max_rows = plan->max_hypotheses = 0;
  plan->max_work = plan->work_per_row = 0;
  return CREDAL_OK;
}

uint64_t credal__plan_chunk_bytes(const credal__plan *plan, int64_t count, int64_t rows) {
  return (uint64_t)count * plan->bytes_per_hypothesis +
         (uint64_t)rows * plan->bytes_per_generator + CREDAL_SLOT_SLACK;
}

int64_t credal__plan_chunk(const credal__plan *plan, const int64_t *offsets, int64_t available,
                           int64_t *piece_rows) {
  const uint64_t arena = plan->arena_bytes;
  uint64_t used = 0, input = 0;
  int64_t n = 0;
  *piece_rows = 0;
  if (plan->max_hypotheses > 0 && available > plan->max_hypotheses)
    available = plan->max_hypotheses;
  while (n < available) {
    const uint64_t rows = (uint64_t)(offsets[n + 1] - offsets[n]);
    const uint64_t in = rows * plan->bytes_per_generator;
    const uint64_t need = plan->bytes_per_hypothesis + in;
    if (used + need > arena ||
        (n > 0 && (input + in > CREDAL_CHUNK_MAX_BYTES || used + need > CREDAL_CHUNK_MAX_FOOTPRINT)))
      break;
    if (plan->max_rows > 0 && offsets[n + 1] - offsets[0] > plan->max_rows) break;
    if (n > 0 && plan->max_work > 0 &&
        (double)(offsets[n + 1] - offsets[0]) * (double)plan->work_per_row > (double)plan->max_work)
      break;
    used += need;
    input += in;
    n++;
  }
  if (n > 0) return n;
  /* The first hypothesis alone does not fit: read it in pieces. */
  uint64_t rows = (arena - plan->bytes_per_hypothesis) / plan->bytes_per_generator;
  const uint64_t cap = CREDAL_CHUNK_MAX_BYTES / plan->bytes_per_generator;
  if (rows > cap) rows = cap;
  if (plan->max_rows > 0 && rows > (uint64_t)plan->max_rows) rows = (uint64_t)plan->max_rows;
  *piece_rows = rows > 0 ? (int64_t)rows : 1;
  return 1;
}
