/* credal_lower_f64: the in-memory entry point, dispatching to a backend. */
#include "internal.h"

static credal_status check_batch(const credal_batch_f64 *b) {
  if (!b || b->hypotheses < 1 || b->dim < 1 || b->policies < 1 || !b->offsets || !b->points ||
      !b->utility)
    return credal__fail(CREDAL_EUSAGE, "credal_lower_f64: batch needs H, d, P >= 1 and data");
  if (b->offsets[0] != 0)
    return credal__fail(CREDAL_EUSAGE, "credal_lower_f64: offsets[0] must be 0");
  for (int64_t h = 0; h < b->hypotheses; h++) {
    const int64_t size = b->offsets[h + 1] - b->offsets[h];
    if (size < 1 || size > INT32_MAX)
      return credal__fail(CREDAL_EUSAGE, "credal_lower_f64: hypothesis %lld has %lld generators",
                          (long long)h, (long long)size);
  }
  return CREDAL_OK;
}

credal_status credal_lower_f64(credal_backend backend, const credal_batch_f64 *batch,
                               double *lower, int32_t *argmin, double *upper, int32_t *argmax) {
  credal_status st = check_batch(batch);
  if (st) return st;
  if ((lower == NULL) != (argmin == NULL) || (upper == NULL) != (argmax == NULL))
    return credal__fail(CREDAL_EUSAGE, "credal_lower_f64: pass values and indices together");
  switch (backend) {
    case CREDAL_BACKEND_AUTO:
    case CREDAL_BACKEND_REFERENCE:
      credal__reference_lower(batch, lower, argmin, upper, argmax);
      return CREDAL_OK;
    case CREDAL_BACKEND_CPU:
      return credal__fail(CREDAL_ENODEVICE, "the cpu backend is not built yet; use reference");
    case CREDAL_BACKEND_GPU:
      return credal__fail(CREDAL_ENODEVICE, "this build has no GPU backend (built without CUDA support)");
  }
  return credal__fail(CREDAL_EUSAGE, "unknown backend %d", (int)backend);
}
