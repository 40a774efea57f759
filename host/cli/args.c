/* Argument parsing helpers shared by the subcommands. */
#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int credal__parse_size(const char *text, uint64_t *out) {
  if (!text || !isdigit((unsigned char)text[0])) return -1;
  errno = 0;
  char *end;
  unsigned long long n = strtoull(text, &end, 10);
  if (errno) return -1;
  uint64_t mult = 1;
  if (*end) {
    const char *units = "KMGTP";
    const char *u = strchr(units, toupper((unsigned char)*end));
    if (!u) return -1;
    for (const char *q = units; q <= u; q++) mult *= 1024;
    end++;
    if (*end == 'i' || *end == 'I') end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end) return -1;
  }
  if (__builtin_mul_overflow((uint64_t)n, mult, out)) return -1;
  return 0;
}

int credal__parse_int(const char *text, int64_t lo, int64_t hi, int64_t *out) {
  if (!text || !*text) return -1;
  errno = 0;
  char *end;
  long long v = strtoll(text, &end, 10);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int credal__parse_seed(const char *text, uint64_t *out) {
  if (!text || !*text || text[0] == '-' || text[0] == '+' || isspace((unsigned char)text[0]))
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 0);
  if (errno || *end) return -1;
  *out = (uint64_t)v;
  return 0;
}

int credal__parse_double(const char *text, double *out) {
  if (!text || !*text) return -1;
  errno = 0;
  char *end;
  double v = strtod(text, &end);
  if (errno || *end || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

int credal__cli_report(const char *subcommand, credal_status status) {
  const char *detail = credal_last_error();
  fprintf(stderr, "credal %s: %s\n", subcommand, detail[0] ? detail : credal_strerror(status));
  return credal_exit_code(status);
}

int credal__cli_usage_error(const char *subcommand, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "credal %s: ", subcommand);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'credal %s --help'.\n", subcommand);
  return 64;
}

void credal__cli_on_signals(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static volatile int stop_requested;

static void request_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

volatile int *credal__cli_stop_flag(void) {
  credal__cli_on_signals(request_stop);
  return &stop_requested;
}
