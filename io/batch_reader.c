/* Reading credal-batch v1 files (SPEC §2).
 *
 * credal__input_open checks the whole structure before anything large is allocated: the file,
 * its schema and version, links (hard only), storage (no external or virtual data, known
 * filters), ranks, dtypes, shapes, size products, the kind and tolerance attributes, and the
 * offsets, streamed in windows so memory does not grow with H. Values are read later, a block
 * of rows at a time, always converted to float64 by HDF5 (float32 files included). */
#include "batch_reader.h"
#include "result_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "h5util.h"

/* Offsets cached per window: 512 KiB, whatever H is. */
#define OFFSETS_WINDOW ((int64_t)65536)

static const char P_HYPOTHESES[] = "/hypotheses";
static const char P_POLICIES[] = "/policies";
static const char P_POINTS[] = "/hypotheses/points";
static const char P_OFFSETS[] = "/hypotheses/offsets";
static const char P_CONSTANTS[] = "/hypotheses/constants";
static const char P_PRIOR[] = "/hypotheses/prior";
static const char P_PRIOR_SET[] = "/hypotheses/prior_set";
static const char P_UTILITY[] = "/policies/utility";

/* ---- problems during open ---- */

typedef struct {
  credal__problems *sink;
  credal_status first; /* first problem of this open */
} opener;

static void problem(opener *o, credal_status status, const char *fmt, ...) CREDAL_PRINTF(3, 4);

static void problem(opener *o, credal_status status, const char *fmt, ...) {
  va_list ap;
  if (o->first == CREDAL_OK) o->first = status;
  va_start(ap, fmt);
  credal__vproblem(o->sink, status, fmt, ap);
  va_end(ap);
}

/* A helper failed and set the last error: that message becomes the problem. */
static void problem_last(opener *o, credal_status status) {
  char msg[CREDAL_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", credal_last_error());
  problem(o, status, "%s", msg);
}

/* ---- datasets ---- */

typedef struct {
  const char *path;
  H5T_class_t cls; /* H5T_FLOAT: float32/float64; H5T_INTEGER: up to 64 bits */
  int rank;
  const char *shape; /* "(K_total, d)" for messages */
  int required;
} dataset_rule;

/* Opens a dataset and checks its class, width, rank and that no dimension is zero.
 * Returns 1 with *id open and dims/size/sign set when usable, 0 when absent (a problem if
 * required), -1 after reporting a problem (nothing left open). */
static int open_checked(opener *o, hid_t file, const dataset_rule *rule, hid_t *id,
                        hsize_t *dims, size_t *size, H5T_sign_t *sign) {
  credal_status st;
  H5T_class_t cls;
  int rank = 0, bad = 0;
  hsize_t d[2] = {0, 0};
  char shape[96];

  *id = H5I_INVALID_HID;
  st = credal__h5_open_dataset(file, rule->path, id);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    return -1;
  }
  if (*id < 0) {
    if (rule->required)
      problem(o, CREDAL_EDATA, "%s: missing (required dataset, %s %s)", rule->path,
              rule->cls == H5T_FLOAT ? "float" : "integer", rule->shape);
    return 0;
  }

  st = credal__h5_dtype(*id, rule->path, &cls, size, sign);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    bad = 1;
  } else if (cls != rule->cls) {
    char words[96];
    problem(o, CREDAL_EDATA, "%s: %s, expected %s%s", rule->path,
            credal__h5_data_words(*id, cls, words, sizeof words),
            rule->cls == H5T_FLOAT ? "float32 or float64" : "integers",
            cls == H5T_ENUM ? (rule->cls == H5T_FLOAT ? " (write it with .astype(np.float64))"
                                                      : " (write it with .astype(np.int64))")
                            : "");
    bad = 1;
  } else if (cls == H5T_FLOAT && *size != 4 && *size != 8) {
    problem(o, CREDAL_EDATA, "%s: %zu-byte floats, expected float32 or float64", rule->path,
            *size);
    bad = 1;
  } else if (cls == H5T_INTEGER && *size > 8) {
    problem(o, CREDAL_EDATA, "%s: %zu-byte integers, wider than 64 bits", rule->path, *size);
    bad = 1;
  }

  st = credal__h5_shape(*id, rule->path, &rank, d, 2);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    bad = 1;
  } else if (rank != rule->rank) {
    problem(o, CREDAL_EDATA, "%s: rank %d, expected rank %d %s", rule->path, rank, rule->rank,
            rule->shape);
    bad = 1;
  } else {
    int zero = 0, huge = 0;
    for (int i = 0; i < rank; i++) {
      zero |= d[i] == 0;
      huge |= d[i] > (hsize_t)INT64_MAX;
    }
    credal__h5_shape_text(rank, d, shape, sizeof shape);
    if (zero) {
      problem(o, CREDAL_EDATA, "%s: shape %s has a zero-size dimension, expected %s",
              rule->path, shape, rule->shape);
      bad = 1;
    } else if (huge) {
      problem(o, CREDAL_EDATA, "%s: shape %s is too large", rule->path, shape);
      bad = 1;
    }
  }
  if (bad) {
    H5Oclose(*id);
    *id = H5I_INVALID_HID;
    return -1;
  }
  dims[0] = d[0];
  dims[1] = rank > 1 ? d[1] : 0;
  return 1;
}

int credal__input_dataset(credal__problems *sink, hid_t file, const char *path, H5T_class_t cls,
                          int rank, const char *shape, int required, hid_t *id, hsize_t dims[2],
                          size_t *size, H5T_sign_t *sign) {
  opener o = {sink, CREDAL_OK};
  const dataset_rule rule = {path, cls, rank, shape, required};
  return open_checked(&o, file, &rule, id, dims, size, sign);
}

/* a*b elements fit in 64 bits, and so do their bytes as float64. */
static int product_fits(uint64_t a, uint64_t b, uint64_t *out) {
  if (credal__mul_u64(a, b, out)) return 0;
  return *out <= (uint64_t)INT64_MAX / sizeof(double);
}

/* Opens a group by hard links; 1 when usable, 0 when absent, -1 after a problem. */
static int open_group(opener *o, hid_t file, const char *path, hid_t *out) {
  int found = 0;
  credal_status st = credal__h5_open_hard(file, path, out, &found);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    return -1;
  }
  if (!found) return 0;
  if (H5Iget_type(*out) != H5I_GROUP) {
    problem(o, CREDAL_EDATA, "%s: is a %s, not a group", path,
            H5Iget_type(*out) == H5I_DATASET ? "dataset" : "named datatype");
    H5Oclose(*out);
    *out = H5I_INVALID_HID;
    return -1;
  }
  return 1;
}

/* What an offsets dataset indexes, for its scan and its messages. */
typedef struct {
  hid_t dset;
  const char *name;      /* "/hypotheses/offsets" */
  const char *rows_name; /* "/hypotheses/points" */
  const char *noun;      /* "hypothesis" */
  const char *items;     /* "generators" */
} offsets_spec;

/* Streams an offsets dataset through the window buffer: offsets[0] = 0, strictly increasing,
 * every count <= INT32_MAX, offsets[H] = the rows (when known, else k_total < 0). */
static void scan_offsets(opener *o, const offsets_spec *sp, credal__offsets_window *w,
                         int64_t hypotheses, int64_t k_total, int unsigned64,
                         int64_t *max_generators) {
  const int64_t total = hypotheses + 1;
  const char *name = sp->name;
  int64_t pos = 0, prev = 0, n = 0;
  int prev_ok = 0;

  *max_generators = 0;
  while (pos < total) {
    hsize_t start, count;
    credal_status st;

    n = total - pos < w->capacity ? total - pos : w->capacity;
    start = (hsize_t)pos;
    count = (hsize_t)n;
    st = credal__h5_read_block(sp->dset, name, 1, &start, &count,
                               unsigned64 ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT64, w->values);
    if (st != CREDAL_OK) {
      problem_last(o, st);
      w->count = 0;
      return;
    }
    for (int64_t i = 0; i < n; i++) {
      const int64_t idx = pos + i;
      int64_t v;
      if (unsigned64) {
        uint64_t u;
        memcpy(&u, &w->values[i], sizeof u);
        if (u > (uint64_t)INT64_MAX) {
          problem(o, CREDAL_EDATA, "%s: offsets[%lld] = %llu does not fit in int64", name,
                  (long long)idx, (unsigned long long)u);
          prev_ok = 0;
          continue;
        }
        v = (int64_t)u;
      } else {
        v = w->values[i];
      }
      if (idx == 0) {
        if (v != 0) problem(o, CREDAL_EDATA, "%s: offsets[0] = %lld, must be 0", name,
                            (long long)v);
      } else if (prev_ok) {
        const int64_t h = idx - 1;
        if (v == prev) {
          problem(o, CREDAL_EDATA, "%s: %s %lld is empty (offsets[%lld] = offsets[%lld] = %lld)",
                  name, sp->noun, (long long)h, (long long)h, (long long)idx, (long long)v);
        } else if (v < prev) {
          problem(o, CREDAL_EDATA,
                  "%s: offsets[%lld] = %lld is less than offsets[%lld] = %lld (offsets must "
                  "increase strictly)",
                  name, (long long)idx, (long long)v, (long long)h, (long long)prev);
        } else {
          const uint64_t k = (uint64_t)v - (uint64_t)prev;
          if (k > (uint64_t)INT32_MAX)
            problem(o, CREDAL_EDATA, "%s: %s %lld has %llu %s, more than %d", name, sp->noun,
                    (long long)h, (unsigned long long)k, sp->items, INT32_MAX);
          else if ((int64_t)k > *max_generators)
            *max_generators = (int64_t)k;
        }
      }
      if (idx == total - 1 && k_total >= 0 && v != k_total)
        problem(o, CREDAL_EDATA, "%s: offsets[%lld] = %lld (the last, H = %lld), but %s has %lld rows",
                name, (long long)idx, (long long)v, (long long)hypotheses, sp->rows_name,
                (long long)k_total);
      prev = v;
      prev_ok = 1;
    }
    pos += n;
  }
  /* The last window stays cached (read as int64 above: equal values once the scan passed). */
  w->start = pos - n;
  w->count = n;
}

/* An offsets window's buffer, allocated once. */
static int window_alloc(credal__offsets_window *w) {
  if (w->values) return 1;
  w->values = malloc((size_t)OFFSETS_WINDOW * sizeof *w->values);
  w->capacity = w->values ? OFFSETS_WINDOW : 0;
  w->count = 0;
  return w->values != NULL;
}

/* Where each structured family lives (docs/schema.md). */
static const struct {
  const char *group, *rows, *rows2, *scalars, *offsets;
  const char *rows_shape, *scalars_shape;
  H5T_class_t rows_class;
} LAYOUTS[CREDAL_FAMILY_COUNT] = {
    [CREDAL_FAMILY_TV_BALLS] = {"/tv_balls", "/tv_balls/centers", NULL, "/tv_balls/radius", NULL,
                                "(H_tv, d)", "(H_tv,)", H5T_FLOAT},
    [CREDAL_FAMILY_CONTAMINATION] = {"/contamination", "/contamination/centers", NULL,
                                     "/contamination/epsilon", NULL, "(H_c, d)", "(H_c,)",
                                     H5T_FLOAT},
    [CREDAL_FAMILY_INTERVALS] = {"/intervals", "/intervals/lower", "/intervals/upper", NULL, NULL,
                                 "(H_i, d)", NULL, H5T_FLOAT},
    [CREDAL_FAMILY_BELIEF] = {"/belief", "/belief/focal", NULL, "/belief/mass", "/belief/offsets",
                              "(M_total, d)", "(M_total,)", H5T_INTEGER},
};

/* Opens one structured group's datasets and checks their shapes against each other and d
 * (-1 when unknown); tolerance < 0: the default for the values' precision. */
static void open_family(opener *o, credal_input *in, credal_family f, int64_t dim,
                        double tolerance) {
  credal__family_data *fd = &in->family[f];
  hid_t group = H5I_INVALID_HID;
  hsize_t dims[2], dims2[2];
  size_t size = 0;
  H5T_sign_t sign;
  int f32 = 0;
  if (open_group(o, in->file, LAYOUTS[f].group, &group) <= 0) return;
  H5Oclose(group);

  const dataset_rule rows_rule = {fd->rows_name, LAYOUTS[f].rows_class, 2, LAYOUTS[f].rows_shape, 1};
  if (open_checked(o, in->file, &rows_rule, &fd->rows, dims, &size, &sign) <= 0) return;
  uint64_t prod;
  f32 = LAYOUTS[f].rows_class == H5T_FLOAT && size == 4;
  fd->rows_total = (int64_t)dims[0];
  if (!product_fits(dims[0], dims[1], &prod)) {
    problem(o, CREDAL_EDATA, "%s: %llu*%llu overflows 64-bit sizes", fd->rows_name,
            (unsigned long long)dims[0], (unsigned long long)dims[1]);
    return;
  }
  if (dim >= 0 && dims[1] != (hsize_t)dim)
    problem(o, CREDAL_EDATA, "%s: has d = %llu columns, but %s has d = %lld", fd->rows_name,
            (unsigned long long)dims[1], P_UTILITY, (long long)dim);
  if (fd->rows2_name) {
    const dataset_rule rule = {fd->rows2_name, H5T_FLOAT, 2, LAYOUTS[f].rows_shape, 1};
    if (open_checked(o, in->file, &rule, &fd->rows2, dims2, &size, &sign) > 0) {
      f32 |= size == 4;
      if (dims2[0] != dims[0] || dims2[1] != dims[1])
        problem(o, CREDAL_EDATA, "%s: shape (%llu, %llu), but %s has shape (%llu, %llu)",
                fd->rows2_name, (unsigned long long)dims2[0], (unsigned long long)dims2[1],
                fd->rows_name, (unsigned long long)dims[0], (unsigned long long)dims[1]);
    }
  }
  if (fd->scalars_name) {
    const dataset_rule rule = {fd->scalars_name, H5T_FLOAT, 1, LAYOUTS[f].scalars_shape, 1};
    if (open_checked(o, in->file, &rule, &fd->scalars, dims2, &size, &sign) > 0) {
      f32 |= size == 4;
      if (dims2[0] != dims[0])
        problem(o, CREDAL_EDATA, "%s: has %llu entries, but %s has %llu rows", fd->scalars_name,
                (unsigned long long)dims2[0], fd->rows_name, (unsigned long long)dims[0]);
    }
  }
  fd->f32 = f32;
  fd->tolerance = tolerance >= 0.0 ? tolerance : f32 ? 1e-5 : 1e-9;
  if (!fd->offsets_name) {
    fd->count = (int64_t)dims[0];
    return;
  }
  const dataset_rule off_rule = {fd->offsets_name, H5T_INTEGER, 1, "(H_b+1,)", 1};
  if (open_checked(o, in->file, &off_rule, &fd->offsets, dims2, &size, &sign) <= 0) return;
  if (dims2[0] < 2) {
    problem(o, CREDAL_EDATA, "%s: has 1 entry, needs H_b+1 >= 2", fd->offsets_name);
    return;
  }
  if (dims2[0] - 1 > (hsize_t)INT32_MAX) {
    problem(o, CREDAL_EDATA, "%s: %llu belief functions, more than %d", fd->offsets_name,
            (unsigned long long)(dims2[0] - 1), INT32_MAX);
    return;
  }
  if (!window_alloc(&fd->window)) {
    problem(o, CREDAL_ENOMEM, "%s: out of memory for the offsets window", fd->offsets_name);
    return;
  }
  const offsets_spec spec = {fd->offsets, fd->offsets_name, fd->rows_name, "belief function",
                             "focal sets"};
  int64_t largest;
  fd->count = (int64_t)dims2[0] - 1;
  scan_offsets(o, &spec, &fd->window, fd->count, fd->rows_total,
               sign == H5T_SGN_NONE && size == 8, &largest);
}

/* libhdf5 itself can crash (SIGSEGV, SIGFPE) or loop forever on damaged metadata — fuzzing
 * found both (tests/fuzz/findings/): so the structure pass first runs in a child process, and
 * a file that kills or stalls it is refused instead of taking credal down. The child's outcome
 * is all that is read: it writes one byte on a pipe once through, whether or not the file is
 * valid, so any other end (a signal, a sanitizer's abort, the time limit) means the library
 * could not read the structure.
 * Skipped for MPI runs (fork under MPI is not portable) and with CREDAL_NO_PROBE=1; the time
 * limit is CREDAL_PROBE_TIMEOUT seconds (default 120). */
static credal_status input_open(const char *path, const credal__names_policy *names,
                                credal__problems *sink, credal_input **out);

/* The in-memory image (credal__input_image_set). */
static struct {
  char *name;
  void *bytes;
  size_t size;
} image;

credal_status credal__input_image_set(const char *name, const void *bytes, size_t size) {
  free(image.name), free(image.bytes);
  image.name = NULL, image.bytes = NULL, image.size = 0;
  if (!name) return CREDAL_OK;
  if (!(image.name = strdup(name)) || !(image.bytes = malloc(size ? size : 1))) {
    free(image.name), image.name = NULL;
    return credal__fail(CREDAL_ENOMEM, "out of memory for an in-memory input image");
  }
  if (size) memcpy(image.bytes, bytes, size);
  image.size = size;
  return CREDAL_OK;
}

static int is_image(const char *path) { return image.name && path && !strcmp(path, image.name); }

static int probe_disabled; /* an MPI run: see credal__input_probe_disable */

void credal__input_probe_disable(void) { probe_disabled = 1; }

static int probe_wanted(void) {
  const char *off = getenv("CREDAL_NO_PROBE");
  return !(off && off[0] && strcmp(off, "0") != 0) && !probe_disabled;
}

/* Present in sanitizer builds only: a fuzzer's callback must not run in the child either. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* Every chunked dataset's whole chunk index (the B-trees or arrays a read walks before it
 * reads a byte) is traversed once before any value is read, so an index that libhdf5 can tell
 * is damaged is refused with its dataset's name, and one on which the walk itself crashes
 * takes down the structure probe's child, not credal. The cost follows the chunks written,
 * not the sizes declared. */
static int walk_chunk_index(opener *o, hid_t d, const char *name) {
  hsize_t n = 0;
  if (d < 0) return 0;
  hid_t dcpl = H5Dget_create_plist(d);
  const int chunked = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED;
  if (dcpl >= 0) H5Pclose(dcpl);
  if (!chunked) return 0;
  const hid_t space = H5Dget_space(d); /* all of it (H5S_ALL is refused here) */
  const int damaged = space < 0 || H5Dget_num_chunks(d, space, &n) < 0;
  if (space >= 0) H5Sclose(space);
  if (damaged) {
    char text[600];
    credal__h5_error_text(text, sizeof text);
    problem(o, CREDAL_EDATA, "%s: its chunk index is damaged (HDF5: %s)", name, text);
  }
  return damaged;
}

int credal__input_chunk_index_damaged(credal__problems *sink, hid_t dset, const char *name) {
  opener o = {sink, CREDAL_OK};
  return walk_chunk_index(&o, dset, name);
}

/* Returns how many indexes are damaged. */
static int walk_chunk_indexes(opener *o, const credal_input *in) {
  int damaged = 0;
  const struct {
    hid_t d;
    const char *name;
  } sets[] = {{in->points, P_POINTS},     {in->offsets, P_OFFSETS}, {in->constants, P_CONSTANTS},
              {in->prior, P_PRIOR},       {in->prior_set, P_PRIOR_SET}, {in->utility, P_UTILITY}};
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
    damaged += walk_chunk_index(o, sets[i].d, sets[i].name);
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    const credal__family_data *fd = &in->family[f];
    damaged += walk_chunk_index(o, fd->rows, fd->rows_name);
    damaged += walk_chunk_index(o, fd->rows2, fd->rows2_name);
    damaged += walk_chunk_index(o, fd->scalars, fd->scalars_name);
    damaged += walk_chunk_index(o, fd->offsets, fd->offsets_name);
  }
  return damaged;
}

static credal_status probe_in_child(const char *path, credal__problems *sink,
                                    void (*read_structure)(const char *path)) {
  const char *limit_text = getenv("CREDAL_PROBE_TIMEOUT");
  const double limit = limit_text && atof(limit_text) > 0 ? atof(limit_text) : 120.0;
  fflush(NULL);
  /* the child says it got through with a byte on this pipe: its exit status alone cannot tell,
   * since a leak checker running the process (valgrind) fails the exit over the parent's
   * allocations the fork copied */
  int done_pipe[2];
  if (pipe(done_pipe) != 0) return CREDAL_OK; /* cannot probe: read it here, unprotected */
  const pid_t pid = fork();
  if (pid < 0) {
    close(done_pipe[0]), close(done_pipe[1]);
    return CREDAL_OK;
  }
  if (pid == 0) {
    close(done_pipe[0]);
    /* silent: what the child finds is reported by the parent's own pass, and a crash report
     * (a sanitizer's) is not the user's business */
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDERR_FILENO), dup2(devnull, STDOUT_FILENO);
    /* die of the signal itself: a crash handler inherited from the parent (a sanitizer's, a
     * fuzzer's) would report, or write files, on the parent's behalf */
    static const int deadly[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++) signal(deadly[i], SIG_DFL);
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(NULL);
    read_structure(path);
    const ssize_t said = write(done_pipe[1], "y", 1);
    _exit(said == 1 ? 0 : 1); /* no atexit handlers: nothing of the parent's is flushed twice */
  }
  close(done_pipe[1]);
  int status = 0;
  struct timespec nap = {0, 1000000}; /* 1 ms, growing to 50 ms */
  double waited = 0.0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      close(done_pipe[0]);
      return CREDAL_OK;
    }
    if (waited >= limit) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      close(done_pipe[0]);
      credal__problem(sink, CREDAL_EDATA,
                      "%s: the HDF5 library did not finish reading the file's structure in %.0f s "
                      "(a damaged file? CREDAL_PROBE_TIMEOUT sets the limit)",
                      path, limit);
      return CREDAL_EDATA;
    }
    nanosleep(&nap, NULL);
    waited += (double)nap.tv_sec + 1e-9 * (double)nap.tv_nsec;
    if (nap.tv_nsec < 50000000) nap.tv_nsec *= 2;
  }
  char byte = 0;
  ssize_t got;
  while ((got = read(done_pipe[0], &byte, 1)) < 0 && errno == EINTR) {
  }
  close(done_pipe[0]);
  if (got == 1 && byte == 'y') return CREDAL_OK; /* through the structure, whatever its exit */
  if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
    char how[64];
    if (WIFSIGNALED(status)) snprintf(how, sizeof how, "signal %d, %s", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    credal__problem(sink, CREDAL_EDATA,
                    "%s: the HDF5 library failed (%s) reading the file's structure: the file is "
                    "damaged or hostile, and refused",
                    path, how);
    return CREDAL_EDATA;
  }
  return CREDAL_OK;
}

credal_status credal__input_probe(const char *path, credal__problems *sink,
                                  void (*read_structure)(const char *path)) {
  if (!sink || !path || !probe_wanted()) return CREDAL_OK;
  struct stat sb;
  /* only a regular file that exists (or the image) is worth a child: the rest fails the same
   * way here */
  if (is_image(path) || (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)))
    return probe_in_child(path, sink, read_structure);
  return CREDAL_OK;
}

/* The probe child's pass for credal__input_schema: the file's root only. */
static void read_schema(const char *path) {
  char schema[32];
  credal__file_schema(path, schema, sizeof schema);
}

credal_status credal__input_schema(const char *path, credal__problems *sink, char *schema,
                                   size_t cap) {
  schema[0] = '\0';
  const credal_status st = credal__input_probe(path, sink, read_schema);
  if (st) return st;
  if (credal__file_schema(path, schema, cap)) schema[0] = '\0';
  credal__clear_error();
  return CREDAL_OK;
}

/* The probe child's pass: the whole structure, quietly. */
static void read_batch_structure(const char *path) {
  credal__problems quiet;
  credal__problems_init(&quiet, NULL, NULL, 0);
  credal_input *in = NULL;
  input_open(path, NULL, &quiet, &in);
  credal_input_close(in);
}

credal_status credal__input_open(const char *path, const credal__names_policy *names,
                                 credal__problems *sink, credal_input **out) {
  if (out) *out = NULL;
  if (out) {
    const credal_status st = credal__input_probe(path, sink, read_batch_structure);
    if (st) return st;
  }
  return input_open(path, names, sink, out);
}

/* What the steps of input_open learn, for the steps after them. */
typedef struct {
  int is_structured;       /* a structured group exists */
  int points_ok, offsets_ok, utility_ok, offsets_unsigned64, tol_found;
  int64_t k_total, dim, hypotheses, policies, prior_set_size, max_generators;
  int64_t prior_len, prior_set_cols; /* -1: absent */
  double tolerance;
  credal_kind kind;
} open_state;

credal_status credal__input_file_check(const char *path, credal__problems *sink) {
  struct stat sb;
  /* O_NONBLOCK: a FIFO named as input must not hang us here. */
  const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  const int statted = fd >= 0 && fstat(fd, &sb) == 0;
  const int err = errno;
  if (fd >= 0) close(fd);
  const char *why = !statted                                          ? strerror(err)
                    : S_ISDIR(sb.st_mode)                             ? strerror(EISDIR)
                    : !S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode)   ? "not a regular file"
                    : H5Fis_hdf5(path) <= 0                           ? "not an HDF5 file"
                                                                      : NULL;
  H5Eclear2(H5E_DEFAULT);
  if (!why) return CREDAL_OK;
  credal__problem(sink, CREDAL_ENOINPUT, "%s: %s", path, why);
  return CREDAL_ENOINPUT;
}

/* The file itself: a regular file (or the in-memory image) that HDF5 opens. 0 when it failed. */
static int open_file(opener *o, const char *path, credal_input **out) {
  credal_input *in = NULL;
  if (!is_image(path)) { /* the core driver reads an image's bytes; HDF5 checks the signature */
    const credal_status st = credal__input_file_check(path, o->sink);
    if (st) {
      if (o->first == CREDAL_OK) o->first = st;
      return 0;
    }
  }
  if (!(in = calloc(1, sizeof *in)) || !(in->path = strdup(path))) {
    free(in);
    return problem(o, CREDAL_ENOMEM, "%s: out of memory", path), 0;
  }
  *out = in;
  in->fd = -1;
  in->file = in->points = in->offsets = in->constants = H5I_INVALID_HID;
  in->prior = in->prior_set = in->utility = H5I_INVALID_HID;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    credal__family_data *fd = &in->family[f];
    fd->rows = fd->rows2 = fd->scalars = fd->offsets = H5I_INVALID_HID;
    fd->rows_name = LAYOUTS[f].rows, fd->rows2_name = LAYOUTS[f].rows2;
    fd->scalars_name = LAYOUTS[f].scalars, fd->offsets_name = LAYOUTS[f].offsets;
  }
  if (is_image(path)) { /* a copy of the image, read through the core driver, never written back */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 &&
        H5Pset_file_image(fapl, image.bytes, image.size) >= 0)
      in->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    in->image_bytes = (int64_t)image.size;
  } else {
    in->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  }
  if (in->file < 0) {
    char text[800];
    credal__h5_open_error(path, text, sizeof text);
    return problem(o, CREDAL_ENOINPUT, "%s", text), 0;
  }
  /* the chunk readers' own descriptor (a file, not an image): stored chunks are pread */
  hid_t fcpl = is_image(path) ? H5I_INVALID_HID : H5Fget_create_plist(in->file);
  hsize_t userblock = 0;
  if (fcpl >= 0 && H5Pget_userblock(fcpl, &userblock) >= 0)
    in->fd = open(path, O_RDONLY | O_CLOEXEC), in->base = (uint64_t)userblock;
  if (fcpl >= 0) H5Pclose(fcpl);
  H5Eclear2(H5E_DEFAULT);
  return 1;
}

/* The schema and version attributes; 0 when nothing else in the file should be read (another
 * schema, a newer version). */
static int check_root(opener *o, credal_input *in) {
  char schema[128];
  int64_t version = 0;
  int found = 0;
  credal_status st = credal__h5_attr_string(in->file, "/", "schema", schema, sizeof schema, &found);
  if (st != CREDAL_OK) {
    problem_last(o, st);
  } else if (!found) {
    problem(o, CREDAL_EDATA,
            "/: attribute 'schema' is missing (expected 'credal-batch'; is this a credal input "
            "file?)");
  } else if (strcmp(schema, "credal-batch") != 0) {
    /* A different kind of file: its other contents mean nothing to us. */
    problem(o, CREDAL_EDATA, "/: schema is '%s', expected 'credal-batch'", schema);
    return 0;
  }
  st = credal__h5_attr_int64(in->file, "/", "version", &version, &found);
  if (st != CREDAL_OK) {
    problem_last(o, st);
  } else if (!found) {
    problem(o, CREDAL_EDATA, "/: attribute 'version' is missing (expected 1)");
  } else if (version > 1) {
    problem(o, CREDAL_EDATA, "/: version %lld is newer than this credal understands (1)",
            (long long)version);
    return 0;
  } else if (version < 1) {
    problem(o, CREDAL_EDATA, "/: version %lld is not a credal-batch version (expected 1)",
            (long long)version);
  }
  return 1;
}

/* /hypotheses attributes kind and tolerance. */
static void read_hypotheses_attrs(opener *o, hid_t hyp, open_state *os) {
  char text[128];
  int found = 0;
  credal_status st = credal__h5_attr_string(hyp, P_HYPOTHESES, "kind", text, sizeof text, &found);
  if (st != CREDAL_OK) {
    problem_last(o, st);
  } else if (found) {
    if (strcmp(text, "distribution") == 0) os->kind = CREDAL_KIND_DISTRIBUTION;
    else if (strcmp(text, "measure") == 0) os->kind = CREDAL_KIND_MEASURE;
    else if (strcmp(text, "payoff") == 0) os->kind = CREDAL_KIND_PAYOFF;
    else
      problem(o, CREDAL_EDATA, "%s: kind '%s' is not one of distribution, measure, payoff",
              P_HYPOTHESES, text);
  }
  st = credal__h5_attr_double(hyp, P_HYPOTHESES, "tolerance", &os->tolerance, &os->tol_found);
  if (st != CREDAL_OK) problem_last(o, st);
  if (st == CREDAL_OK && os->tol_found && !(isfinite(os->tolerance) && os->tolerance >= 0.0))
    problem(o, CREDAL_EDATA, "%s: tolerance %g must be finite and >= 0", P_HYPOTHESES,
            os->tolerance);
}

/* /hypotheses/points and /hypotheses/offsets: shapes only (the offsets are scanned later). */
static void open_generators(opener *o, credal_input *in, open_state *os) {
  hsize_t dims[2];
  size_t size = 0;
  H5T_sign_t sign = H5T_SGN_ERROR;
  uint64_t prod;
  const dataset_rule points = {P_POINTS, H5T_FLOAT, 2, "(K_total, d)", !os->is_structured};
  if (open_checked(o, in->file, &points, &in->points, dims, &size, &sign) > 0) {
    os->points_ok = 1;
    os->k_total = (int64_t)dims[0];
    os->dim = (int64_t)dims[1];
    in->summary.points_f32 = size == 4;
    if (!product_fits(dims[0], dims[1], &prod)) {
      problem(o, CREDAL_EDATA, "%s: K_total*d = %llu*%llu overflows 64-bit sizes", P_POINTS,
              (unsigned long long)dims[0], (unsigned long long)dims[1]);
      os->points_ok = 0;
    }
  }
  const dataset_rule offsets = {P_OFFSETS, H5T_INTEGER, 1, "(H+1,)", !os->is_structured};
  if (open_checked(o, in->file, &offsets, &in->offsets, dims, &size, &sign) > 0) {
    if (dims[0] < 2) {
      problem(o, CREDAL_EDATA, "%s: has 1 entry, needs H+1 >= 2 (at least one hypothesis)",
              P_OFFSETS);
    } else if (dims[0] - 1 > (hsize_t)INT32_MAX) {
      problem(o, CREDAL_EDATA, "%s: H = %llu hypotheses, more than %d", P_OFFSETS,
              (unsigned long long)(dims[0] - 1), INT32_MAX);
    } else {
      os->offsets_ok = 1;
      os->hypotheses = (int64_t)dims[0] - 1;
      os->offsets_unsigned64 = sign == H5T_SGN_NONE && size == 8;
    }
  }
}

/* /hypotheses/constants, /hypotheses/prior and /hypotheses/prior_set, all optional. */
static void open_hypotheses_extras(opener *o, credal_input *in, open_state *os) {
  hsize_t dims[2];
  size_t size = 0;
  H5T_sign_t sign = H5T_SGN_ERROR;
  const dataset_rule constants = {P_CONSTANTS, H5T_FLOAT, 1, "(K_total,)", 0};
  if (open_checked(o, in->file, &constants, &in->constants, dims, &size, &sign) > 0) {
    in->summary.has_constants = 1;
    if (os->points_ok && dims[0] != (hsize_t)os->k_total)
      problem(o, CREDAL_EDATA, "%s: has %llu entries, but %s has K_total = %lld rows",
              P_CONSTANTS, (unsigned long long)dims[0], P_POINTS, (long long)os->k_total);
  }
  const dataset_rule prior = {P_PRIOR, H5T_FLOAT, 1, "(H,)", 0};
  if (open_checked(o, in->file, &prior, &in->prior, dims, &size, &sign) > 0) {
    in->summary.has_prior = 1;
    os->prior_len = (int64_t)dims[0];
  }
  const dataset_rule prior_set = {P_PRIOR_SET, H5T_FLOAT, 2, "(Q, H)", 0};
  if (open_checked(o, in->file, &prior_set, &in->prior_set, dims, &size, &sign) > 0) {
    uint64_t prod;
    os->prior_set_size = (int64_t)dims[0];
    os->prior_set_cols = (int64_t)dims[1];
    if (!product_fits(dims[0], dims[1], &prod))
      problem(o, CREDAL_EDATA, "%s: Q*H = %llu*%llu overflows 64-bit sizes", P_PRIOR_SET,
              (unsigned long long)dims[0], (unsigned long long)dims[1]);
  }
}

/* /policies and its utility, checked against d. */
static void open_policies(opener *o, credal_input *in, open_state *os) {
  hid_t pol = H5I_INVALID_HID;
  hsize_t dims[2];
  size_t size = 0;
  H5T_sign_t sign = H5T_SGN_ERROR;
  const int found = open_group(o, in->file, P_POLICIES, &pol);
  if (found == 0) problem(o, CREDAL_EDATA, "%s: missing (required group)", P_POLICIES);
  if (found <= 0) return;
  H5Oclose(pol);
  const dataset_rule rule = {P_UTILITY, H5T_FLOAT, 2, "(P, d)", 1};
  if (open_checked(o, in->file, &rule, &in->utility, dims, &size, &sign) <= 0) return;
  uint64_t prod;
  os->policies = (int64_t)dims[0];
  in->summary.utility_f32 = size == 4;
  if (dims[0] > (hsize_t)INT32_MAX)
    problem(o, CREDAL_EDATA, "%s: P = %llu policies, more than %d", P_UTILITY,
            (unsigned long long)dims[0], INT32_MAX);
  if (!product_fits(dims[0], dims[1], &prod))
    problem(o, CREDAL_EDATA, "%s: P*d = %llu*%llu overflows 64-bit sizes", P_UTILITY,
            (unsigned long long)dims[0], (unsigned long long)dims[1]);
  if (os->points_ok && dims[1] != (hsize_t)os->dim)
    problem(o, CREDAL_EDATA, "%s: has d = %llu columns, but %s has d = %lld", P_UTILITY,
            (unsigned long long)dims[1], P_POINTS, (long long)os->dim);
  if (!os->points_ok) os->dim = (int64_t)dims[1];
  os->utility_ok = 1;
}

/* Numbers the families' hypotheses (generators first) and checks the priors' lengths against
 * their total; returns it. */
static int64_t count_hypotheses(opener *o, credal_input *in, const open_state *os) {
  int64_t total = os->hypotheses;
  in->family[CREDAL_FAMILY_GENERATORS].count = os->hypotheses;
  in->family[CREDAL_FAMILY_GENERATORS].tolerance =
      os->tol_found ? os->tolerance : in->summary.points_f32 ? 1e-5 : 1e-9;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    in->family[f].first = total;
    total += in->family[f].count;
  }
  const char *both = os->is_structured ? " (generators and structured sets together)" : "";
  if (o->first == CREDAL_OK && total == 0)
    problem(o, CREDAL_EDATA, "%s: missing (required group, or a structured group)", P_HYPOTHESES);
  if (total > INT32_MAX)
    problem(o, CREDAL_EDATA, "%lld hypotheses in all, more than %d", (long long)total, INT32_MAX);
  if (o->first == CREDAL_OK && os->prior_len >= 0 && os->prior_len != total)
    problem(o, CREDAL_EDATA, "%s: has %lld entries, but there are H = %lld hypotheses%s", P_PRIOR,
            (long long)os->prior_len, (long long)total, both);
  if (o->first == CREDAL_OK && os->prior_set_cols >= 0 && os->prior_set_cols != total)
    problem(o, CREDAL_EDATA, "%s: has %lld columns, but there are H = %lld hypotheses%s",
            P_PRIOR_SET, (long long)os->prior_set_cols, (long long)total, both);
  return total;
}

/* The summary of an input that passed every structural check. */
static void summarise(credal_input *in, const open_state *os, int64_t hypotheses) {
  credal_input_summary *s = &in->summary;
  s->hypotheses = hypotheses;
  for (int f = 0; f < CREDAL_FAMILY_COUNT; f++) s->family_hypotheses[f] = in->family[f].count;
  s->focal_sets = in->family[CREDAL_FAMILY_BELIEF].rows_total;
  s->generators = os->k_total;
  s->dim = os->dim;
  s->policies = os->policies;
  s->prior_set_size = os->prior_set_size;
  s->kind = os->kind;
  s->tolerance = in->family[CREDAL_FAMILY_GENERATORS].tolerance;
  s->max_generators = os->max_generators;
}

/* /hypotheses/names and /policies/names, when present: (n,) strings, one per hypothesis or
 * policy (a list of the wrong length labels the wrong rows). */
void credal__input_check_labels(credal__problems *sink, hid_t file, int64_t hypotheses,
                                int64_t policies) {
  opener own = {sink, CREDAL_OK}, *o = &own;
  static const char *const paths[2] = {"/hypotheses/names", "/policies/names"};
  const int64_t want[2] = {hypotheses, policies};
  for (int i = 0; i < 2; i++) {
    hid_t d = H5I_INVALID_HID;
    if (credal__h5_open_dataset(file, paths[i], &d) || d < 0) {
      credal__clear_error();
      continue;
    }
    int rank = 0;
    hsize_t dims[1] = {0};
    hid_t type = H5Dget_type(d);
    const int strings = type >= 0 && H5Tget_class(type) == H5T_STRING;
    if (type >= 0) H5Tclose(type);
    if (!strings)
      problem(o, CREDAL_EDATA, "%s: not strings (write the labels as str or bytes)", paths[i]);
    else if (credal__h5_shape(d, paths[i], &rank, dims, 1) || rank != 1)
      problem(o, CREDAL_EDATA, "%s: rank %d, expected (%s,)", paths[i], rank, i ? "P" : "H");
    else if ((int64_t)dims[0] != want[i] && want[i] >= 0)
      problem(o, CREDAL_EDATA, "%s: %llu names for %lld %s (one per %s, in order)", paths[i],
              (unsigned long long)dims[0], (long long)want[i], i ? "policies" : "hypotheses",
              i ? "policy" : "hypothesis");
    H5Dclose(d);
    H5Eclear2(H5E_DEFAULT);
  }
}

static credal_status input_open(const char *path, const credal__names_policy *names,
                                credal__problems *sink, credal_input **out) {
  opener o = {sink, CREDAL_OK};
  credal_input *in = NULL;
  hid_t hyp = H5I_INVALID_HID;
  int64_t total = 0;
  open_state os = {0};
  os.prior_len = os.prior_set_cols = -1;
  os.kind = CREDAL_KIND_DISTRIBUTION;
  if (out) *out = NULL;
  if (!sink) return credal__fail(CREDAL_EINTERNAL, "credal__input_open: no problem sink");
  if (!path || !out) {
    problem(&o, CREDAL_EUSAGE, "credal_input_open: %s is NULL", !path ? "path" : "out");
    return o.first;
  }
  credal__h5_init();
  if (!open_file(&o, path, &in) || !check_root(&o, in)) goto done;

  /* which structured groups exist (their contents are checked after /policies) */
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    const htri_t e = H5Lexists(in->file, LAYOUTS[f].group + 1, H5P_DEFAULT);
    if (e < 0) problem_last(&o, credal__h5_fail(CREDAL_EDATA, LAYOUTS[f].group, "looking up the link"));
    os.is_structured |= e > 0;
  }
  const int found = open_group(&o, in->file, P_HYPOTHESES, &hyp);
  if (found == 0 && !os.is_structured)
    problem(&o, CREDAL_EDATA, "%s: missing (required group)", P_HYPOTHESES);
  if (found > 0) {
    read_hypotheses_attrs(&o, hyp, &os);
    open_generators(&o, in, &os);
    open_hypotheses_extras(&o, in, &os);
  }
  open_policies(&o, in, &os);
  if (os.is_structured && (in->points >= 0) != (in->offsets >= 0))
    problem(&o, CREDAL_EDATA, "%s: present without %s (generators need both)",
            in->points >= 0 ? P_POINTS : P_OFFSETS, in->points >= 0 ? P_OFFSETS : P_POINTS);
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++)
    open_family(&o, in, (credal_family)f, os.utility_ok || os.points_ok ? os.dim : -1,
                os.tol_found ? os.tolerance : -1.0);

  /* every chunk index, before any value is read through a damaged one */
  if (walk_chunk_indexes(&o, in)) goto done;
  /* the offsets themselves, a window at a time */
  if (os.offsets_ok) {
    const offsets_spec spec = {in->offsets, P_OFFSETS, P_POINTS, "hypothesis", "generators"};
    if (!window_alloc(&in->window)) {
      problem(&o, CREDAL_ENOMEM, "%s: out of memory for the offsets window", P_OFFSETS);
      goto done;
    }
    scan_offsets(&o, &spec, &in->window, os.hypotheses, os.points_ok ? os.k_total : -1,
                 os.offsets_unsigned64, &os.max_generators);
  }
  total = count_hypotheses(&o, in, &os);
  /* last: a structural problem of a known dataset is the one to read first */
  const int64_t before = sink->count;
  credal__input_check_labels(sink, in->file, o.first == CREDAL_OK ? total : -1,
                             os.utility_ok ? os.policies : -1);
  credal__check_known_names(in->file, "credal-batch", names, sink);
  if (sink->count > before && o.first == CREDAL_OK) o.first = CREDAL_EDATA;
done:
  if (hyp >= 0) H5Oclose(hyp);
  if (o.first != CREDAL_OK) {
    credal_input_close(in);
    return o.first;
  }
  summarise(in, &os, total);
  *out = in;
  return CREDAL_OK;
}

void credal_input_close(credal_input *in) {
  if (!in) return;
  hid_t ids[] = {in->points, in->offsets, in->constants, in->prior, in->prior_set, in->utility};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    if (ids[i] >= 0) H5Oclose(ids[i]);
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    credal__family_data *fd = &in->family[f];
    hid_t fids[] = {fd->rows, fd->rows2, fd->scalars, fd->offsets};
    for (size_t i = 0; i < sizeof fids / sizeof fids[0]; i++)
      if (fids[i] > 0) H5Oclose(fids[i]);
    free(fd->window.values);
  }
  for (int i = 0; i < in->ndecoders; i++) credal__chunk_reader_close(in->decoders[i].reader);
  if (in->fd >= 0) close(in->fd);
  if (in->file >= 0) H5Fclose(in->file);
  H5Eclear2(H5E_DEFAULT);
  free(in->window.values);
  free(in->path);
  free(in);
}

credal_status credal_input_open(const char *path, credal_input **out) {
  credal__problems sink;
  credal_status st;

  credal__problems_init(&sink, NULL, NULL, 1);
  st = credal__input_open(path, NULL, &sink, out);
  if (st == CREDAL_OK) return CREDAL_OK;
  return sink.count > 0 ? credal__problems_status(&sink) : st;
}

const credal_input_summary *credal_input_describe(const credal_input *in) {
  return in ? &in->summary : NULL;
}

/* ---- reading values ---- */

/* offsets[h0 .. h0+count] of an offsets dataset of `entries` values, through its window. */
static credal_status window_read(hid_t dset, const char *name, credal__offsets_window *w,
                                 int64_t entries, int64_t h0, int64_t count, int64_t *out) {
  const int64_t n = count + 1;
  hsize_t start, cnt;
  if (dset < 0 || !out || h0 < 0 || count < 0 || h0 + n > entries)
    return credal__fail(CREDAL_EINTERNAL, "%s: offsets %lld..%lld requested, %lld exist", name,
                        (long long)h0, (long long)(h0 + count), (long long)entries);
  if (w->count > 0 && h0 >= w->start && h0 + n <= w->start + w->count) {
    memcpy(out, w->values + (h0 - w->start), (size_t)n * sizeof *out);
    return CREDAL_OK;
  }
  if (!window_alloc(w))
    return credal__fail(CREDAL_ENOMEM, "%s: out of memory for the offsets window", name);
  if (n > w->capacity) { /* larger than the window: straight into out */
    start = (hsize_t)h0;
    cnt = (hsize_t)n;
    return credal__h5_read_block(dset, name, 1, &start, &cnt, H5T_NATIVE_INT64, out);
  }
  /* Refill the window from h0 on: sequential readers then hit it for the next calls. */
  const int64_t m = entries - h0 < w->capacity ? entries - h0 : w->capacity;
  start = (hsize_t)h0;
  cnt = (hsize_t)m;
  w->count = 0;
  credal_status st = credal__h5_read_block(dset, name, 1, &start, &cnt, H5T_NATIVE_INT64, w->values);
  if (st != CREDAL_OK) return st;
  w->start = h0;
  w->count = m;
  memcpy(out, w->values, (size_t)n * sizeof *out);
  return CREDAL_OK;
}

credal_status credal__input_offsets(credal_input *in, int64_t h0, int64_t count, int64_t *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_offsets: no input");
  return window_read(in->offsets, P_OFFSETS, &in->window,
                     in->family[CREDAL_FAMILY_GENERATORS].count + 1, h0, count, out);
}

credal_family credal__input_family_of(const credal_input *in, int64_t h, int64_t *local) {
  int f = CREDAL_FAMILY_COUNT - 1;
  while (f > 0 && (h < in->family[f].first || in->family[f].count == 0)) f--;
  *local = h - in->family[f].first;
  return (credal_family)f;
}

credal_status credal__input_family_offsets(credal_input *in, credal_family family, int64_t i0,
                                           int64_t count, int64_t *out) {
  if (family == CREDAL_FAMILY_GENERATORS) return credal__input_offsets(in, i0, count, out);
  credal__family_data *fd = &in->family[family];
  if (i0 < 0 || count < 0 || i0 + count > fd->count)
    return credal__fail(CREDAL_EINTERNAL, "%s: hypotheses %lld..%lld requested, %lld exist",
                        credal_family_name(family), (long long)i0, (long long)(i0 + count),
                        (long long)fd->count);
  if (family == CREDAL_FAMILY_BELIEF)
    return window_read(fd->offsets, fd->offsets_name, &fd->window, fd->count + 1, i0, count, out);
  const int64_t per = family == CREDAL_FAMILY_INTERVALS ? 2 : 1;
  for (int64_t i = 0; i <= count; i++) out[i] = (i0 + i) * per;
  return CREDAL_OK;
}

void credal__input_set_pool(credal_input *in, credal__pool *pool) { in->pool = pool; }

/* The dataset's own chunk decoder, made at its first read (NULL: HDF5 reads it). */
static credal_status decoder_of(credal_input *in, hid_t dset, const char *name,
                                credal__chunk_reader **out) {
  for (int i = 0; i < in->ndecoders; i++)
    if (in->decoders[i].id == dset) return *out = in->decoders[i].reader, CREDAL_OK;
  *out = NULL;
  credal_status st = credal__chunk_reader_open(dset, name, in->fd, in->base, out);
  if (st) return st;
  if (in->ndecoders == (int)(sizeof in->decoders / sizeof in->decoders[0])) {
    credal__chunk_reader_close(*out), *out = NULL; /* never: fewer streamed datasets exist */
    return CREDAL_OK;
  }
  in->decoders[in->ndecoders].id = dset;
  in->decoders[in->ndecoders++].reader = *out;
  return CREDAL_OK;
}

/* Rows k0 .. k0+rows-1 of a (rows_total, cols) dataset (cols 0 for rank 1) as float64, into
 * rows at, at+every, ... of out: decoded by credal on the pool where it can, else by HDF5. */
static credal_status read_rows_every(credal_input *in, hid_t dset, const char *name,
                                     int64_t rows_total, int64_t cols, int64_t k0, int64_t rows,
                                     double *out, int every, int at) {
  if (dset < 0 || !out || k0 < 0 || rows < 0 || k0 > rows_total || rows > rows_total - k0)
    return credal__fail(CREDAL_EINTERNAL, "%s: rows %lld..%lld requested, %lld exist", name,
                        (long long)k0, (long long)(k0 + rows), (long long)rows_total);
  credal__chunk_reader *decoder = NULL;
  int fallback = 0;
  credal_status st = decoder_of(in, dset, name, &decoder);
  if (st) return st;
  if (decoder) {
    st = credal__chunk_reader_rows(decoder, k0, rows, out, every, at, in->pool, &fallback);
    if (st || !fallback) return st;
  }
  const hsize_t start[2] = {(hsize_t)k0, 0}, count[2] = {(hsize_t)rows, (hsize_t)cols};
  return credal__h5_read_interleaved(dset, name, cols > 0 ? 2 : 1, start, count,
                                     H5T_NATIVE_DOUBLE, out, every, at);
}

static credal_status read_rows(credal_input *in, hid_t dset, const char *name, int64_t rows_total,
                               int64_t cols, int64_t k0, int64_t rows, double *out) {
  return read_rows_every(in, dset, name, rows_total, cols, k0, rows, out, 1, 0);
}

credal_status credal__input_points(credal_input *in, int64_t k0, int64_t rows, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_points: no input");
  return read_rows(in, in->points, P_POINTS, in->summary.generators, in->summary.dim, k0, rows, out);
}

credal_status credal__input_constants(credal_input *in, int64_t k0, int64_t rows, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_constants: no input");
  if (in->constants < 0) {
    if (!out || k0 < 0 || rows < 0 || k0 > in->summary.generators ||
        rows > in->summary.generators - k0)
      return credal__fail(CREDAL_EINTERNAL, "%s: rows %lld..%lld requested, %lld exist",
                          P_CONSTANTS, (long long)k0, (long long)(k0 + rows),
                          (long long)in->summary.generators);
    for (int64_t i = 0; i < rows; i++) out[i] = 0.0;
    return CREDAL_OK;
  }
  return read_rows(in, in->constants, P_CONSTANTS, in->summary.generators, 0, k0, rows, out);
}

credal_status credal__input_family_rows(credal_input *in, credal_family family, int64_t k0,
                                        int64_t rows, double *out, double *scalars) {
  credal_status st;
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_family_rows: no input");
  const int64_t d = in->summary.dim;
  if (family == CREDAL_FAMILY_GENERATORS) {
    if ((st = credal__input_points(in, k0, rows, out))) return st;
    return scalars ? credal__input_constants(in, k0, rows, scalars) : CREDAL_OK;
  }
  credal__family_data *fd = &in->family[family];
  if (family != CREDAL_FAMILY_INTERVALS) {
    if ((st = read_rows(in, fd->rows, fd->rows_name, fd->rows_total, d, k0, rows, out))) return st;
    return scalars ? read_rows(in, fd->scalars, fd->scalars_name, fd->rows_total, 0, k0, rows, scalars)
                   : CREDAL_OK;
  }
  /* intervals: hypothesis i is rows 2i (lower[i]) and 2i+1 (upper[i]) */
  if (k0 % 2 || rows % 2 || k0 < 0 || rows < 0 || k0 / 2 + rows / 2 > fd->rows_total)
    return credal__fail(CREDAL_EINTERNAL, "%s: rows %lld..%lld requested", fd->rows_name,
                        (long long)k0, (long long)(k0 + rows));
  if ((st = read_rows_every(in, fd->rows, fd->rows_name, fd->rows_total, d, k0 / 2, rows / 2,
                             out, 2, 0)) ||
      (st = read_rows_every(in, fd->rows2, fd->rows2_name, fd->rows_total, d, k0 / 2, rows / 2,
                             out, 2, 1)))
    return st;
  if (scalars)
    for (int64_t i = 0; i < rows; i++) scalars[i] = 0.0;
  return CREDAL_OK;
}

credal_status credal__input_utility(credal_input *in, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_utility: no input");
  return read_rows(in, in->utility, P_UTILITY, in->summary.policies, in->summary.dim, 0,
                   in->summary.policies, out);
}

credal_status credal__input_prior(credal_input *in, int64_t h0, int64_t count, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_prior: no input");
  if (in->prior < 0)
    return credal__fail(CREDAL_EINTERNAL, "%s: the input has no prior", P_PRIOR);
  return read_rows(in, in->prior, P_PRIOR, in->summary.hypotheses, 0, h0, count, out);
}

credal_status credal__input_prior_set(credal_input *in, int64_t h0, int64_t count, double *out) {
  hsize_t start[2], cnt[2];
  const int64_t hypotheses = in ? in->summary.hypotheses : 0;

  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_prior_set: no input");
  if (in->prior_set < 0)
    return credal__fail(CREDAL_EINTERNAL, "%s: the input has no prior set", P_PRIOR_SET);
  if (!out || h0 < 0 || count < 0 || h0 > hypotheses || count > hypotheses - h0)
    return credal__fail(CREDAL_EINTERNAL, "%s: columns %lld..%lld requested, H = %lld",
                        P_PRIOR_SET, (long long)h0, (long long)(h0 + count),
                        (long long)hypotheses);
  start[0] = 0;
  start[1] = (hsize_t)h0;
  cnt[0] = (hsize_t)in->summary.prior_set_size;
  cnt[1] = (hsize_t)count;
  return credal__h5_read_block(in->prior_set, P_PRIOR_SET, 2, start, cnt, H5T_NATIVE_DOUBLE,
                               out);
}
