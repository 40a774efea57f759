// The C shim over Google Benchmark declared in benchmark_shim.h: the only C++ in credal's
// benchmarks. Nothing thrown here crosses into C: allocation failures become NULL or no-ops.
#include "benchmark_shim.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

struct credal_bench_def {
  benchmark::internal::Benchmark *bench = nullptr;
  credal_bench_fn fn = nullptr;
  void *ctx = nullptr;
  std::string name;
  int nargs = 0;          // arguments per run (the most any credal_bench_args call gave)
  bool min_time = false;  // MinTime and Iterations exclude each other
  bool iterations = false;
};

// What a C benchmark function holds: the run's state and the benchmark it belongs to.
struct credal_bench_state {
  benchmark::State *st;
  const credal_bench_def *def;
};

namespace {

std::atomic<int> error_count{0};

// The registered definitions live until the process ends (Google Benchmark keeps pointers to
// the lambdas that refer to them).
std::vector<credal_bench_def *> &definitions() {
  static std::vector<credal_bench_def *> all;
  return all;
}

benchmark::TimeUnit to_unit(credal_bench_time_unit unit) {
  switch (unit) {
    case CREDAL_BENCH_NS: return benchmark::kNanosecond;
    case CREDAL_BENCH_US: return benchmark::kMicrosecond;
    case CREDAL_BENCH_MS: return benchmark::kMillisecond;
    case CREDAL_BENCH_S: return benchmark::kSecond;
  }
  return benchmark::kNanosecond;
}

benchmark::Counter::Flags to_flags(credal_bench_counter_kind kind) {
  switch (kind) {
    case CREDAL_BENCH_PLAIN: return benchmark::Counter::kDefaults;
    case CREDAL_BENCH_RATE: return benchmark::Counter::kIsRate;
    case CREDAL_BENCH_INVARIANT_RATE: return benchmark::Counter::kIsIterationInvariantRate;
    case CREDAL_BENCH_AVG_ITERATIONS: return benchmark::Counter::kAvgIterations;
  }
  return benchmark::Counter::kDefaults;
}

// Unregisters everything and frees the definitions.
void forget_definitions() {
  benchmark::ClearRegisteredBenchmarks();
  for (credal_bench_def *def : definitions()) delete def;
  definitions().clear();
}

}  // namespace

extern "C" {

credal_bench_def *credal_bench_register(const char *name, credal_bench_fn fn, void *ctx) {
  if (!name || !fn) return nullptr;
  credal_bench_def *def = nullptr;
  try {
    def = new credal_bench_def;
    def->fn = fn;
    def->ctx = ctx;
    def->name = name;
    definitions().push_back(def);
  } catch (...) {
    delete def;
    return nullptr;
  }
  try {
    def->bench = benchmark::RegisterBenchmark(def->name.c_str(), [def](benchmark::State &st) {
      credal_bench_state state{&st, def};
      def->fn(&state, def->ctx);
    });
  } catch (...) {
    def->bench = nullptr;
  }
  return def->bench ? def : nullptr;
}

void credal_bench_args(credal_bench_def *def, int n, const int64_t *args) {
  if (!def || n < 0 || (n > 0 && !args)) return;
  try {
    def->bench->Args(std::vector<int64_t>(args, args + n));
    if (n > def->nargs) def->nargs = n;
  } catch (...) {
  }
}

void credal_bench_arg_names(credal_bench_def *def, int n, const char *const *names) {
  if (!def || n < 0 || (n > 0 && !names)) return;
  try {
    std::vector<std::string> v;
    for (int i = 0; i < n; i++) v.emplace_back(names[i] ? names[i] : "");
    def->bench->ArgNames(v);
  } catch (...) {
  }
}

void credal_bench_use_manual_time(credal_bench_def *def) {
  if (def) def->bench->UseManualTime();
}

void credal_bench_use_real_time(credal_bench_def *def) {
  if (def) def->bench->UseRealTime();
}

void credal_bench_unit(credal_bench_def *def, credal_bench_time_unit unit) {
  if (def) def->bench->Unit(to_unit(unit));
}

void credal_bench_iterations(credal_bench_def *def, int64_t iterations) {
  if (!def || iterations < 1) return;
  if (def->min_time) {
    std::fprintf(stderr, "credal_bench: %s: iterations ignored (a minimum time is set)\n",
                 def->name.c_str());
    return;
  }
  def->bench->Iterations(static_cast<benchmark::IterationCount>(iterations));
  def->iterations = true;
}

void credal_bench_min_time(credal_bench_def *def, double seconds) {
  if (!def || !(seconds > 0)) return;
  if (def->iterations) {
    std::fprintf(stderr, "credal_bench: %s: minimum time ignored (iterations are set)\n",
                 def->name.c_str());
    return;
  }
  def->bench->MinTime(seconds);
  def->min_time = true;
}

void credal_bench_repetitions(credal_bench_def *def, int n) {
  if (def && n >= 1) def->bench->Repetitions(n);
}

bool credal_bench_keep_running(credal_bench_state *state) { return state->st->KeepRunning(); }

int64_t credal_bench_range(const credal_bench_state *state, int i) {
  // State::range() asserts on a missing argument; answer 0 instead
  if (i < 0 || i >= state->def->nargs) return 0;
  return state->st->range(static_cast<std::size_t>(i));
}

int64_t credal_bench_iterations_done(const credal_bench_state *state) {
  return static_cast<int64_t>(state->st->iterations());
}

void credal_bench_set_iteration_time(credal_bench_state *state, double seconds) {
  state->st->SetIterationTime(seconds);
}

void credal_bench_set_counter(credal_bench_state *state, const char *name, double value,
                              credal_bench_counter_kind kind) {
  if (!name) return;
  try {
    state->st->counters[name] = benchmark::Counter(value, to_flags(kind));
  } catch (...) {
  }
}

void credal_bench_set_bytes_processed(credal_bench_state *state, int64_t bytes) {
  state->st->SetBytesProcessed(bytes);
}

void credal_bench_set_items_processed(credal_bench_state *state, int64_t items) {
  state->st->SetItemsProcessed(items);
}

void credal_bench_set_label(credal_bench_state *state, const char *label) {
  try {
    state->st->SetLabel(label ? label : "");
  } catch (...) {
  }
}

void credal_bench_skip_with_error(credal_bench_state *state, const char *msg) {
  error_count++;
  try {
    state->st->SkipWithError(msg ? msg : "skipped");
  } catch (...) {
  }
}

bool credal_bench_error_occurred(const credal_bench_state *state) {
  return state->st->error_occurred();
}

int credal_bench_error_count(void) { return error_count.load(); }

void credal_bench_pause_timing(credal_bench_state *state) { state->st->PauseTiming(); }

void credal_bench_resume_timing(credal_bench_state *state) { state->st->ResumeTiming(); }

int credal_bench_main(int argc, char **argv) {
  try {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
      forget_definitions();
      return 64;
    }
    const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    forget_definitions();
    return ran > 0 ? 0 : 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "credal_bench: %s\n", e.what());
    return 70;
  } catch (...) {
    std::fprintf(stderr, "credal_bench: unknown C++ exception\n");
    return 70;
  }
}

}  // extern "C"
