/* The engine's parts shared by credal_eval (engine.c) and its MPI driver (distributed.c). */
#ifndef CREDAL_ENGINE_H
#define CREDAL_ENGINE_H

#include "../io/codec.h"
#include "../io/internal.h"

/* credal_eval on hypotheses [begin, end) only (end 0: all): output_path gets end-begin rows,
 * row i holding hypothesis begin+i, uncompressed when scratch (an MPI rank's share, read back
 * once). One process; the whole run is begin = 0, end = 0, scratch = 0. */
credal_status credal__eval_range(const char *input_path, const char *output_path,
                                 const credal_eval_options *options,
                                 credal_eval_summary *summary, int64_t begin, int64_t end,
                                 int scratch);

/* credal_eval on a credal-mdp input (mdp_eval.c): one process. */
credal_status credal__mdp_eval(const char *input_path, const char *output_path,
                               const credal_eval_options *options, credal_eval_summary *summary);

/* credal_eval across the MPI ranks (distributed.c): every rank calls it. */
credal_status credal__eval_distributed(const char *input_path, const char *output_path,
                                       const credal_eval_options *options,
                                       credal_eval_summary *summary);

/* The options' output codec (CREDAL_EUSAGE naming a malformed one). */
credal_status credal__eval_codec(const credal_eval_options *options, credal__codec *out);
/* Threads for the I/O pool: options->io_threads, or when 0 every online core (shared out among
 * the MPI ranks on this node). */
int credal__eval_io_threads(const credal_eval_options *options);

/* Every rank's status to all (a collective): this rank's, or the lowest failing rank's (with a
 * message naming it, `what` saying when), or EINTERRUPTED when some rank was interrupted and
 * none failed. */
credal_status credal__ranks_agree(credal_status mine, const char *what);
/* Marks this rank's last failure as another rank's, which reports it. */
void credal__error_set_remote(int remote);

/* Whether this rank's last failure happened on another rank (which reported it). */
int credal__error_is_remote(void);

/* CLOCK_MONOTONIC seconds. */
double credal__now_seconds(void);


#endif /* CREDAL_ENGINE_H */
