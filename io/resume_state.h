/* The state an interrupted run leaves inside OUTPUT.partial so that `credal eval --resume`
 * continues it exactly (docs/streaming.md, "Interruption and resume").
 *
 *   /resume                      group, present only in an interrupted, resumable partial
 *     attrs hypotheses_done      rows 0 .. done-1 of every (H, P) and (H,) dataset are final
 *           fingerprint          "key=value ..." of the input and the options (below)
 *           content_digest       16 hex digits: the digest of the input's hypotheses done
 *     class_lower, class_lower_hypothesis, worst_regret, worst_regret_hypothesis   (P,)
 *     bayes_regret (P,) with a prior; credal_sums (Q, P) with a prior set
 *     rules_class_upper, rules_set_regret, rules_e_admissible (P,), rules_upper_vertex (P, d),
 *     rules_pair_min (P, P) with pairwise rules, attr rules_tau        with --rules
 *
 * The accumulators are float64 whatever the output precision, so that the continued sums are
 * the same bits as an uninterrupted run's. The fingerprint names the input (size, shape, kind,
 * tolerance, families, a hash of the policies; not the time stamp) and the options that change
 * the output (backend, precision, upper, rules, outputs, range); a mismatch is refused naming
 * the first field that differs. The content digest covers every value the hypotheses done were
 * computed from (io/digest.h); the caller recomputes it from the input. */
#ifndef CREDAL_RESUME_STATE_H
#define CREDAL_RESUME_STATE_H

#include <hdf5.h>

#include "criteria.h"
#include "batch_reader.h"

#define CREDAL_FINGERPRINT_MAX 1024

/* FNV-1a over n bytes, continuing from h (start: 0xcbf29ce484222325): the fingerprints' digest. */
uint64_t credal__fnv1a(uint64_t h, const void *data, size_t n);

/* The fingerprint of an input (its size, shape and policies; not its time stamp; the values of
 * the hypotheses done have their own digest, credal__resume_save), the output-changing options
 * and the range of hypotheses [begin, end) the output holds (an MPI rank's share) into buf.
 * utility is (P, d). */
credal_status credal__fingerprint(credal_input *in, const double *utility, const char *backend,
                                  int f32, int upper, unsigned rules, double hurwicz,
                                  int policy_only, int64_t begin, int64_t end, char *buf,
                                  size_t cap);

/* Writes /resume into the open result file (replacing an older one) and flushes; content is
 * the digest of the input's hypotheses done (host/digest.h; an MDP's sets, io/mdp_reader.h). */
credal_status credal__resume_save(hid_t file, const char *path, int64_t hypotheses_done,
                                  const char *fingerprint, uint64_t content,
                                  const credal__regret *r);

/* Reads /resume into r (initialised for the run's P, prior and Q), *done and *content (the
 * digest of the hypotheses done, for the caller to check against the input), after checking
 * that its fingerprint equals `fingerprint` (EDATA naming the differing field otherwise, or
 * when /resume is missing or malformed). */
credal_status credal__resume_load(hid_t file, const char *path, const char *fingerprint,
                                  int64_t hypotheses, credal__regret *r, int64_t *done,
                                  uint64_t *content);

/* The decision rules' class accumulators, as rules_* datasets of group `group` (created when
 * missing: "resume" after credal__resume_save, or an MPI rank's finished share keeping them in
 * "rules_state" for rank 0), and back into s (allocated for the run's P, d and rules). */
credal_status credal__resume_save_rules(hid_t file, const char *path, const char *group,
                                        const credal__rules_state *s);
credal_status credal__resume_load_rules(hid_t file, const char *path, const char *group,
                                        credal__rules_state *s);

/* Removes /resume (before the file is marked complete). Absent is fine. */
credal_status credal__resume_drop(hid_t file, const char *path);

#endif /* CREDAL_RESUME_STATE_H */
