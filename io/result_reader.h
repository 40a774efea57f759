/* Reading back credal-result v1 files (for `credal info` and tests). */
#ifndef CREDAL_RESULT_READER_H
#define CREDAL_RESULT_READER_H

#include "internal.h"

typedef struct {
  int64_t version, complete;
  int64_t hypotheses, policies;
  char backend[64], device[128], precision[8], credal_version[32], input[1024];
  double elapsed_seconds;
  int has_upper, has_bayes, has_credal;
  int64_t choice[4]; /* maximin, minimax_regret, bayes, credal; -1 when absent */
  int64_t set_minimax_regret; /* /choice attribute with --rules set_regret; -1 when absent */
  unsigned rules;    /* CREDAL_RULE_* flags of the /rules/class datasets present */
  int policy_only;   /* written with --outputs policy: no (H, P) datasets */
} credal__result_info;

/* "credal-batch", "credal-result" or "" (other HDF5 file) into schema; ENOINPUT when the file
 * cannot be opened as HDF5. */
credal_status credal__file_schema(const char *path, char *schema, size_t cap);

credal_status credal__result_read_info(const char *path, credal__result_info *info);

/* A whole (n,) float dataset of the result as float64 (e.g. "/policy/worst_regret");
 * n must equal its length. */
credal_status credal__result_read_vector(const char *path, const char *dataset, int64_t n,
                                         double *out);

/* Row h of an (H, n) dataset (e.g. "/rules/maximal") as float64. */
credal_status credal__result_read_row(const char *path, const char *dataset, int64_t h, int64_t n,
                                      double *out);

#endif /* CREDAL_RESULT_READER_H */
