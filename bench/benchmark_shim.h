/* A small C face on Google Benchmark (C++), so that credal's benchmarks are written in C.
 *
 * A benchmark is a C function run with a state handle and the context pointer it was
 * registered with; it does its setup, then loops while credal_bench_keep_running() says so:
 *
 *   static void bm_lower(credal_bench_state *st, void *ctx) {
 *     const shape *s = ctx;                      // setup and checks here, outside the timing
 *     if (!ready) { credal_bench_skip_with_error(st, "no device"); return; }
 *     while (credal_bench_keep_running(st)) run(s);
 *     credal_bench_set_counter(st, "pairs/s", pairs, CREDAL_BENCH_INVARIANT_RATE);
 *   }
 *   credal_bench_def *b = credal_bench_register("lower/cpu/f64/mem_P4", bm_lower, &shapes[0]);
 *   credal_bench_use_real_time(b);               // the library runs its own threads
 *   credal_bench_unit(b, CREDAL_BENCH_MS);
 *   ...
 *   return credal_bench_main(argc, argv);        // --benchmark_filter, _format, _out, ...
 *
 * Names and messages are copied; ctx must outlive credal_bench_main(). No C++ type crosses
 * this header, and nothing here throws.
 *
 * Timing rates: Google Benchmark divides rate counters (and bytes/items processed) by the
 * calling thread's CPU time unless the benchmark uses real or manual time; credal's CPU
 * backends work on their own threads, so their benchmarks must call credal_bench_use_real_time.
 */
#ifndef CREDAL_BENCHMARK_SHIM_H
#define CREDAL_BENCHMARK_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct credal_bench_state credal_bench_state; /* one run of a benchmark (benchmark::State) */
typedef struct credal_bench_def credal_bench_def;     /* a registered benchmark (its settings) */

typedef void (*credal_bench_fn)(credal_bench_state *state, void *ctx);

typedef enum {
  CREDAL_BENCH_NS = 0,
  CREDAL_BENCH_US,
  CREDAL_BENCH_MS,
  CREDAL_BENCH_S
} credal_bench_time_unit;

typedef enum {
  CREDAL_BENCH_PLAIN = 0,       /* the value as given */
  CREDAL_BENCH_RATE,            /* value / seconds (benchmark::Counter::kIsRate) */
  CREDAL_BENCH_INVARIANT_RATE,  /* value * iterations / seconds: pass the per-iteration amount
                                   (benchmark::Counter::kIsIterationInvariantRate) */
  CREDAL_BENCH_AVG_ITERATIONS   /* value / iterations (benchmark::Counter::kAvgIterations) */
} credal_bench_counter_kind;

/* ---- registration (before credal_bench_main) ---- */

/* Registers fn under name; NULL when the name or fn is NULL (or on allocation failure). Every
 * setter below accepts NULL and then does nothing, so a chain needs no checks. */
credal_bench_def *credal_bench_register(const char *name, credal_bench_fn fn, void *ctx);
/* Adds one run with these n integer arguments (read back with credal_bench_range); each call
 * adds a run, and Google Benchmark appends "/a0/a1/..." (or "/name:a0/...") to the name. */
void credal_bench_args(credal_bench_def *def, int n, const int64_t *args);
/* Names the arguments (n names, as many as each credal_bench_args run has). */
void credal_bench_arg_names(credal_bench_def *def, int n, const char *const *names);
/* The benchmark reports the times given by credal_bench_set_iteration_time (GPU work). */
void credal_bench_use_manual_time(credal_bench_def *def);
/* The benchmark is timed by the wall clock (and rates use it), not the main thread's CPU. */
void credal_bench_use_real_time(credal_bench_def *def);
void credal_bench_unit(credal_bench_def *def, credal_bench_time_unit unit);
/* A fixed number of iterations, or a minimum time (seconds) instead of --benchmark_min_time.
 * The two exclude each other (Google Benchmark aborts on both): the later call is refused
 * with a message on stderr. */
void credal_bench_iterations(credal_bench_def *def, int64_t iterations);
void credal_bench_min_time(credal_bench_def *def, double seconds);
/* Repeats the whole measurement n times (mean, median, stddev are reported too). */
void credal_bench_repetitions(credal_bench_def *def, int n);

/* ---- inside a benchmark function ---- */

/* The loop: true while another timed iteration should run. Call it until it returns false
 * (or skip with an error and return without calling it). */
bool credal_bench_keep_running(credal_bench_state *state);
/* Argument i of this run (see credal_bench_args); 0 when there is no such argument. */
int64_t credal_bench_range(const credal_bench_state *state, int i);
/* Iterations run so far (after the loop: all of them). */
int64_t credal_bench_iterations_done(const credal_bench_state *state);
/* Manual time: the seconds this iteration took (call once per iteration, inside the loop). */
void credal_bench_set_iteration_time(credal_bench_state *state, double seconds);
/* A user counter shown next to the time and written to the JSON "name": value. */
void credal_bench_set_counter(credal_bench_state *state, const char *name, double value,
                              credal_bench_counter_kind kind);
/* Totals over all iterations (Google Benchmark reports bytes_per_second, items_per_second). */
void credal_bench_set_bytes_processed(credal_bench_state *state, int64_t bytes);
void credal_bench_set_items_processed(credal_bench_state *state, int64_t items);
/* A short text shown after the counters (e.g. the device, the check that ran). */
void credal_bench_set_label(credal_bench_state *state, const char *label);
/* Marks this run as failed with msg (it is reported as an error, not timed). Call it before
 * the loop and return, or inside the loop and break out. */
void credal_bench_skip_with_error(credal_bench_state *state, const char *msg);
bool credal_bench_error_occurred(const credal_bench_state *state);
/* How many times credal_bench_skip_with_error was called in this process (any benchmark). */
int credal_bench_error_count(void);
/* Stop and restart the clock around untimed work inside the loop. */
void credal_bench_pause_timing(credal_bench_state *state);
void credal_bench_resume_timing(credal_bench_state *state);

/* ---- running ---- */

/* Parses Google Benchmark's options (--benchmark_filter, --benchmark_format=json,
 * --benchmark_out=FILE, --benchmark_min_time=0.05, --benchmark_list_tests, ...), runs the
 * registered benchmarks that match and returns: 0 when at least one ran (errored runs are
 * reported as such in the output, and count as run), 1 when none matched, 64 for an option it
 * does not know, 70 when Google Benchmark failed (a C++ exception, reported on stderr).
 * Afterwards every registration is gone (and its credal_bench_def freed). */
int credal_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* CREDAL_BENCHMARK_SHIM_H */
