/* PRISM explicit model files; see prism_reader.h. */
#include "prism_reader.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t src, choice, dst, line;
  double lo, hi;
} entry;

/* The next line that is neither blank nor a '#' comment; NULL at the end. */
static char *next_line(FILE *f, char **buf, size_t *cap, int64_t *line) {
  for (;;) {
    if (getline(buf, cap, f) < 0) return NULL;
    (*line)++;
    char *p = *buf;
    while (*p == ' ' || *p == '\t') p++;
    if (*p && *p != '#' && *p != '\n' && *p != '\r') return p;
  }
}

static int parse_int(char **p, int64_t *out) {
  char *end;
  errno = 0;
  const long long v = strtoll(*p, &end, 10);
  if (end == *p || errno) return -1;
  *out = v, *p = end;
  return 0;
}

static int parse_double(char **p, double *out) {
  char *end;
  errno = 0;
  const double v = strtod(*p, &end);
  if (end == *p || errno || !isfinite(v)) return -1;
  *out = v, *p = end;
  return 0;
}

static void skip_space(char **p) {
  while (**p == ' ' || **p == '\t') (*p)++;
}

/* A probability "x" or an interval "[lo,hi]". */
static int parse_value(char **p, double *lo, double *hi) {
  skip_space(p);
  if (**p != '[') return parse_double(p, lo) ? -1 : (*hi = *lo, 0);
  (*p)++;
  skip_space(p);
  if (parse_double(p, lo)) return -1;
  skip_space(p);
  if (*(*p)++ != ',') return -1;
  skip_space(p);
  if (parse_double(p, hi)) return -1;
  skip_space(p);
  return *(*p)++ == ']' ? 0 : -1;
}

static int by_position(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->src != y->src) return x->src < y->src ? -1 : 1;
  if (x->choice != y->choice) return x->choice < y->choice ? -1 : 1;
  return (x->dst > y->dst) - (x->dst < y->dst);
}

/* The header and every transition line into e (N of them). */
static credal_status read_lines(const char *path, FILE *f, credal__prism_model *m, entry **out) {
  char *buf = NULL, *p;
  size_t cap = 0;
  int64_t line = 0, n = 0;
  credal_status st = CREDAL_OK;
  *out = NULL;
  if (!(p = next_line(f, &buf, &cap, &line)) || parse_int(&p, &m->states) ||
      parse_int(&p, &m->choices) || parse_int(&p, &m->transitions) || m->states < 1 ||
      m->choices < m->states || m->transitions < m->choices ||
      m->transitions > ((int64_t)1 << 36)) {
    free(buf);
    return credal__fail(CREDAL_EDATA,
                        "%s:%lld: the first line must be \"S C N\" (states, "
                        "choices, transitions; an MDP with every state at least one choice)",
                        path, (long long)line);
  }
  entry *e = malloc((size_t)m->transitions * sizeof *e);
  if (!e)
    st = credal__fail(CREDAL_ENOMEM, "%s: out of memory for %lld transitions", path,
                      (long long)m->transitions);
  while (!st && (p = next_line(f, &buf, &cap, &line))) {
    entry x = {0, 0, 0, line, 0, 0};
    if (n == m->transitions)
      st = credal__fail(CREDAL_EDATA, "%s:%lld: more transitions than the header's N = %lld", path,
                        (long long)line, (long long)m->transitions);
    else if (parse_int(&p, &x.src) || parse_int(&p, &x.choice) || parse_int(&p, &x.dst) ||
             parse_value(&p, &x.lo, &x.hi))
      st = credal__fail(CREDAL_EDATA,
                        "%s:%lld: expected \"src choice dst value [action]\", value "
                        "a probability or [lo,hi]",
                        path, (long long)line);
    else if (x.src < 0 || x.src >= m->states || x.dst < 0 || x.dst >= m->states || x.choice < 0)
      st = credal__fail(CREDAL_EDATA,
                        "%s:%lld: state %lld -> %lld outside 0..%lld (or a negative "
                        "choice)",
                        path, (long long)line, (long long)x.src, (long long)x.dst,
                        (long long)(m->states - 1));
    else if (!(x.lo >= 0.0 && x.lo <= x.hi && x.hi <= 1.0))
      st = credal__fail(CREDAL_EDATA, "%s:%lld: [%.15g, %.15g] is not within 0 <= lo <= hi <= 1",
                        path, (long long)line, x.lo, x.hi);
    else
      e[n++] = x;
  }
  if (!st && n != m->transitions)
    st = credal__fail(CREDAL_EDATA, "%s: %lld transitions, but the header says N = %lld", path,
                      (long long)n, (long long)m->transitions);
  free(buf);
  if (st)
    free(e);
  else
    *out = e;
  return st;
}

/* Sorted entries into the CSR layout, checking choices, duplicates and each choice's sums. */
static credal_status build(const char *path, const entry *e, credal__prism_model *m) {
  const int64_t S = m->states, C = m->choices, N = m->transitions;
  m->choice_offsets = calloc((size_t)S + 1, sizeof(int64_t));
  m->successor_offsets = malloc(((size_t)C + 1) * sizeof(int64_t));
  m->successors = malloc((size_t)N * sizeof(int64_t));
  m->lower = malloc((size_t)N * sizeof(double)), m->upper = malloc((size_t)N * sizeof(double));
  if (!m->choice_offsets || !m->successor_offsets || !m->successors || !m->lower || !m->upper)
    return credal__fail(CREDAL_ENOMEM, "%s: out of memory", path);
  int64_t c = -1;
  for (int64_t j = 0; j < N; j++) {
    const entry *x = &e[j];
    const int first_of_state = j == 0 || x->src != e[j - 1].src;
    const int new_choice = first_of_state || x->choice != e[j - 1].choice;
    if (!new_choice && x->dst == e[j - 1].dst)
      return credal__fail(CREDAL_EDATA,
                          "%s:%lld: transition %lld %lld -> %lld given twice "
                          "(also line %lld)",
                          path, (long long)x->line, (long long)x->src, (long long)x->choice,
                          (long long)x->dst, (long long)e[j - 1].line);
    if (new_choice && x->choice != (first_of_state ? 0 : e[j - 1].choice + 1))
      return credal__fail(CREDAL_EDATA,
                          "%s:%lld: state %lld's choice %lld comes without choice "
                          "%lld (choices are numbered 0, 1, ... within each state)",
                          path, (long long)x->line, (long long)x->src, (long long)x->choice,
                          (long long)(first_of_state ? 0 : e[j - 1].choice + 1));
    if (new_choice) {
      if (++c == C)
        return credal__fail(CREDAL_EDATA, "%s:%lld: more choices than the header's C = %lld", path,
                            (long long)x->line, (long long)C);
      m->successor_offsets[c] = j;
      m->choice_offsets[x->src + 1]++;
    }
    m->successors[j] = x->dst, m->lower[j] = x->lo, m->upper[j] = x->hi;
  }
  if (c + 1 != C)
    return credal__fail(CREDAL_EDATA, "%s: %lld choices, but the header says C = %lld", path,
                        (long long)(c + 1), (long long)C);
  m->successor_offsets[C] = N;
  for (int64_t s = 0; s < S; s++) {
    if (!m->choice_offsets[s + 1])
      return credal__fail(CREDAL_EDATA,
                          "%s: state %lld has no transition (every state needs a "
                          "choice; give a deadlock state a self-loop)",
                          path, (long long)s);
    m->choice_offsets[s + 1] += m->choice_offsets[s];
  }
  for (int64_t k = 0; k < C; k++) {
    double lo = 0.0, hi = 0.0;
    const int64_t j0 = m->successor_offsets[k], n = m->successor_offsets[k + 1] - j0;
    for (int64_t j = j0; j < j0 + n; j++) lo += m->lower[j], hi += m->upper[j];
    if (!(lo <= 1.0 + 1e-9 * (double)n && hi >= 1.0 - 1e-9 * (double)n))
      return credal__fail(CREDAL_EDATA,
                          "%s:%lld: state %lld, choice %lld: the lower bounds sum "
                          "to %.17g and the upper to %.17g; no law fits",
                          path, (long long)e[j0].line, (long long)e[j0].src,
                          (long long)e[j0].choice, lo, hi);
  }
  return CREDAL_OK;
}

credal_status credal__prism_read_tra(const char *path, credal__prism_model *out) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (!f) return credal__fail(CREDAL_ENOINPUT, "%s: %s", path, strerror(errno));
  entry *e = NULL;
  credal_status st = read_lines(path, f, out, &e);
  fclose(f);
  if (!st) {
    qsort(e, (size_t)out->transitions, sizeof *e, by_position);
    st = build(path, e, out);
  }
  free(e);
  if (st) credal__prism_model_free(out);
  return st;
}

void credal__prism_model_free(credal__prism_model *m) {
  free(m->choice_offsets), free(m->successor_offsets), free(m->successors);
  free(m->lower), free(m->upper);
  memset(m, 0, sizeof *m);
}

/* The index declared for `name` on the .lab file's first line, or -1. */
static int64_t label_index(char *p, const char *name, char *names, size_t cap) {
  int64_t found = -1;
  names[0] = '\0';
  while (*p && *p != '\n') {
    int64_t i;
    skip_space(&p);
    if (parse_int(&p, &i) || *p++ != '=' || *p++ != '"') return -2;
    char *q = strchr(p, '"');
    if (!q) return -2;
    *q = '\0';
    if (!strcmp(p, name)) found = i;
    if (strlen(names) + strlen(p) + 3 < cap) strcat(strcat(names, names[0] ? ", " : ""), p);
    p = q + 1;
    skip_space(&p);
    if (*p == '\r') p++;
  }
  return found;
}

credal_status credal__prism_read_label(const char *path, const char *name, int64_t states,
                                       uint8_t *marks) {
  FILE *f = fopen(path, "r");
  if (!f) return credal__fail(CREDAL_ENOINPUT, "%s: %s", path, strerror(errno));
  char *buf = NULL, *p, names[512];
  size_t cap = 0;
  int64_t line = 0, index = -2;
  credal_status st = CREDAL_OK;
  memset(marks, 0, (size_t)states);
  if ((p = next_line(f, &buf, &cap, &line))) index = label_index(p, name, names, sizeof names);
  if (index == -2)
    st = credal__fail(CREDAL_EDATA,
                      "%s:%lld: the first line must declare the labels: 0=\"init\" "
                      "1=\"...\" ...",
                      path, (long long)line);
  else if (index < 0)
    st = credal__fail(CREDAL_EDATA, "%s: no label \"%s\" (it declares %s)", path, name, names);
  while (!st && (p = next_line(f, &buf, &cap, &line))) {
    int64_t s, i;
    if (parse_int(&p, &s) || *p++ != ':' || s < 0 || s >= states) {
      st = credal__fail(CREDAL_EDATA,
                        "%s:%lld: expected \"state: label ...\" with a state in "
                        "0..%lld",
                        path, (long long)line, (long long)(states - 1));
      break;
    }
    for (skip_space(&p); *p && *p != '\n' && *p != '\r'; skip_space(&p)) {
      if (parse_int(&p, &i)) {
        st = credal__fail(CREDAL_EDATA, "%s:%lld: a label index expected", path, (long long)line);
        break;
      }
      if (i == index) marks[s] = 1;
    }
  }
  free(buf);
  fclose(f);
  return st;
}
