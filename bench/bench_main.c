/* credal_bench: the CPU (and, in a CUDA build, GPU) benchmarks, in C over Google Benchmark
 * through benchmark_shim.h. Each bench_*.c registers its benchmarks here:
 *
 *   bench_lower.c   lower/BACKEND/PREC/SHAPE    credal_lower_f64/_f32 per backend and shape
 *   bench_regret.c  regret/H:/P:/Q:             the regret stage (chunks + finish)
 *   bench_eval.c    eval/BACKEND/FILE           credal_eval, HDF5 file to HDF5 file
 *   bench_structured.c structured/BACKEND/FAMILY  tv balls, contamination, intervals, belief
 *                                               against generator sets of 4 and 16 points
 *   bench_codec.c   codec/encode|decode/codec:/threads:  the chunk codecs on N threads
 *   bench_rules.c   rules/H:/K:/d:/P:/rules:/prune:  the decision rules (SPEC §9)
 *   bench_mdp.c     mdp/sweep/BACKEND/FAMILY/S:/A:/K:  a credal MDP's Bellman sweep (SPEC §10)
 *
 * Every benchmark checks its result once before it is timed and reports a failed check (or a
 * missing GPU) as an error instead of a time; every one reports its throughput as counters
 * (pairs/s, GFLOP/s, GB/s; eval also MB/s of input read).
 *
 * The run (about a minute and a half on 2 cores, without a GPU), with a JSON copy:
 *
 *   build/bench/credal_bench --benchmark_min_time=0.05 \
 *       --benchmark_format=json --benchmark_out=/tmp/credal-bench.json
 *
 * (--benchmark_format=json prints JSON on stdout too; leave it out to see the table and still
 * get the JSON file with --benchmark_out_format=json.) Subsets with a regular expression:
 *
 *   credal_bench --benchmark_filter='^lower/cpu/'        the fast CPU path only
 *   credal_bench --benchmark_filter='compute|regret'     the compute-bound shapes and regret
 *   credal_bench --benchmark_filter='-mem_'              all but the memory-bound shapes
 *   credal_bench --benchmark_list_tests                  the names, nothing run
 *
 * Temporary files (bench_eval's inputs and results) go to $TMPDIR (default /tmp) and are
 * removed at exit. Exit status: 0 when benchmarks ran (a failed check or a missing GPU is
 * reported per benchmark as an error), 1 when the filter matched none, 64 for an unknown
 * option; with --fail-on-error (credal's own option, for CTest), 2 when any benchmark reported
 * an error. */
#include <string.h>

#include "bench_common.h"

int main(int argc, char **argv) {
  int fail_on_error = 0, n = 0;
  for (int i = 0; i < argc; i++) { /* take our option out before Google Benchmark sees argv */
    if (i > 0 && strcmp(argv[i], "--fail-on-error") == 0)
      fail_on_error = 1;
    else
      argv[n++] = argv[i];
  }
  argv[n] = NULL;
  bench_lower_register();
  bench_regret_register();
  bench_eval_register();
  bench_roofline_register();
  bench_structured_register();
  bench_codec_register();
  bench_rules_register();
  bench_mdp_register();
  int rc = credal_bench_main(n, argv);
  bench_eval_cleanup();
  if (rc == 0 && fail_on_error && credal_bench_error_count() > 0) rc = 2;
  return rc;
}
