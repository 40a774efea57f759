/* Status codes, their texts and exit statuses, and this thread's last error message. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[CREDAL_MSG_MAX];

const char *credal_strerror(credal_status status) {
  switch (status) {
#define CREDAL_STATUS_TEXT(name, exit_code, text) \
  case CREDAL_##name:                             \
    return text;
    CREDAL_STATUS_MAP(CREDAL_STATUS_TEXT)
#undef CREDAL_STATUS_TEXT
    default:
      return "unknown status";
  }
}

int credal_exit_code(credal_status status) {
  switch (status) {
#define CREDAL_STATUS_EXIT(name, exit_code, text) \
  case CREDAL_##name:                             \
    return exit_code;
    CREDAL_STATUS_MAP(CREDAL_STATUS_EXIT)
#undef CREDAL_STATUS_EXIT
    default:
      return 70;
  }
}

const char *credal_last_error(void) { return last_error; }

const char *credal_version(void) { return CREDAL_VERSION_STRING; }

void credal__clear_error(void) { last_error[0] = '\0'; }

credal_status credal__fail(credal_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return status;
}

credal_status credal__fail_context(credal_status status, const char *fmt, ...) {
  char context[CREDAL_MSG_MAX], previous[CREDAL_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(context, sizeof context, fmt, ap);
  va_end(ap);
  memcpy(previous, last_error, sizeof previous);
  /* context, then ": previous" in what room is left (long messages are cut, never overrun) */
  size_t len = strlen(context);
  if (len >= sizeof last_error) len = sizeof last_error - 1;
  memcpy(last_error, context, len);
  last_error[len] = '\0';
  if (previous[0] && len + 3 < sizeof last_error) {
    size_t n = strlen(previous);
    if (n > sizeof last_error - len - 3) n = sizeof last_error - len - 3;
    memcpy(last_error + len, ": ", 2);
    memcpy(last_error + len + 2, previous, n);
    last_error[len + 2 + n] = '\0';
  }
  return status;
}

void credal__problems_init(credal__problems *sink, credal_report_fn report, void *ctx,
                           int64_t max_reported) {
  memset(sink, 0, sizeof *sink);
  sink->report = report;
  sink->ctx = ctx;
  sink->max_reported = max_reported;
  sink->first = CREDAL_OK;
}

void credal__vproblem(credal__problems *sink, credal_status status, const char *fmt, va_list ap) {
  /* Only the first problem and the reported ones are formatted: past the cap, problems are
   * just counted, so a file with millions of bad rows is checked at full speed. */
  const int keep_first = sink->count == 0;
  const int report = sink->report && sink->count < sink->max_reported;
  if (keep_first || report) {
    char message[CREDAL_MSG_MAX];
    vsnprintf(message, sizeof message, fmt, ap);
    if (keep_first) {
      sink->first = status;
      memcpy(sink->first_message, message, sizeof message);
    }
    if (report) sink->report(sink->ctx, status, message);
  }
  sink->count++;
}

void credal__problem(credal__problems *sink, credal_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  credal__vproblem(sink, status, fmt, ap);
  va_end(ap);
}

void credal__problems_name(credal__problems *sink, const char *what) {
  if (!sink->named[0] && sink->count > 1) snprintf(sink->named, sizeof sink->named, "%s", what);
}

credal_status credal__problems_status(const credal__problems *sink) {
  if (sink->count == 0) return CREDAL_OK;
  if (sink->count == 1) return credal__fail(sink->first, "%s", sink->first_message);
  const char *join = !sink->named[0] ? "" : sink->count == 2 ? ": " : ", among them ";
  return credal__fail(sink->first, "%s (and %lld more problem%s%s%s; run 'credal validate' to list "
                      "them)", sink->first_message, (long long)(sink->count - 1),
                      sink->count == 2 ? "" : "s", join, sink->named);
}

const char *credal_backend_name(credal_backend backend) {
  switch (backend) {
    case CREDAL_BACKEND_AUTO: return "auto";
    case CREDAL_BACKEND_REFERENCE: return "reference";
    case CREDAL_BACKEND_CPU: return "cpu";
    case CREDAL_BACKEND_GPU: return "gpu";
  }
  return "unknown";
}

const char *credal_kind_name(credal_kind kind) {
  switch (kind) {
    case CREDAL_KIND_DISTRIBUTION: return "distribution";
    case CREDAL_KIND_MEASURE: return "measure";
    case CREDAL_KIND_PAYOFF: return "payoff";
  }
  return "unknown";
}

const char *credal_family_name(credal_family family) {
  switch (family) {
    case CREDAL_FAMILY_GENERATORS: return "generators";
    case CREDAL_FAMILY_TV_BALLS: return "tv_balls";
    case CREDAL_FAMILY_CONTAMINATION: return "contamination";
    case CREDAL_FAMILY_INTERVALS: return "intervals";
    case CREDAL_FAMILY_BELIEF: return "belief";
    case CREDAL_FAMILY_COUNT: break;
  }
  return "unknown";
}
