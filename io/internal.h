/* Internal declarations shared across credal's own files (double-underscore names): the bottom
 * layer that io/, host/ and the tests all include (statuses, this thread's last error, problem
 * sinks, checked size arithmetic; implemented in io/status.c). It lives in io/ because io/ is
 * the lowest layer and never reaches up into host/. Not installed; users never include it. */
#ifndef CREDAL_INTERNAL_H
#define CREDAL_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>

#include "credal.h"

#define CREDAL_MSG_MAX 1024

#if defined(__GNUC__)
#define CREDAL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CREDAL_PRINTF(f, a)
#endif

/* Sets this thread's last error and returns status, so `return credal__fail(...)` reads well. */
credal_status credal__fail(credal_status status, const char *fmt, ...) CREDAL_PRINTF(2, 3);
/* Prefixes the current last error with context ("while writing /lower: ..."). */
credal_status credal__fail_context(credal_status status, const char *fmt, ...) CREDAL_PRINTF(2, 3);
void credal__clear_error(void);

/* A sink for validation problems: counts all, reports the first max_reported. */
typedef struct {
  credal_report_fn report; /* may be NULL */
  void *ctx;
  int64_t max_reported;
  int64_t count;
  credal_status first;     /* status of the first problem, CREDAL_OK if none */
  char first_message[CREDAL_MSG_MAX];
  char named[CREDAL_MSG_MAX]; /* a later problem the summary names too (an unknown name) */
} credal__problems;

void credal__problems_init(credal__problems *sink, credal_report_fn report, void *ctx,
                           int64_t max_reported);
void credal__problem(credal__problems *sink, credal_status status, const char *fmt, ...)
    CREDAL_PRINTF(3, 4);
void credal__vproblem(credal__problems *sink, credal_status status, const char *fmt, va_list ap);
/* A later problem worth naming beside the first in the summary (a typo is often the cause of
 * the problem found first): kept unless one is already. */
void credal__problems_name(credal__problems *sink, const char *what);
/* Turns the sink's first problem into this thread's last error ("... (and N more problems)"). */
credal_status credal__problems_status(const credal__problems *sink);

/* Overflow-checked size arithmetic: return 0 and set *out, or return 1 on overflow. */
static inline int credal__mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
  return __builtin_mul_overflow(a, b, out);
}
static inline int credal__add_u64(uint64_t a, uint64_t b, uint64_t *out) {
  return __builtin_add_overflow(a, b, out);
}

/* ---- backends ---- */

/* reference: plain float64 loops; see host/reference.c */
void credal__reference_lower(const credal_batch_f64 *batch, double *lower, int32_t *argmin,
                             double *upper, int32_t *argmax);

#endif /* CREDAL_INTERNAL_H */
