/* Unknown groups, datasets and attributes of a credal input file (io/known_names.c). */
#ifndef CREDAL_KNOWN_NAMES_H
#define CREDAL_KNOWN_NAMES_H

#include <hdf5.h>

#include "internal.h"

typedef struct {
  int allow_unknown;     /* 1: warnings through warn instead of problems */
  credal_report_fn warn; /* may be NULL: the warnings are then dropped */
  void *warn_ctx;
} credal__names_policy;

/* Every name in file that its schema ("credal-batch", SPEC §2, or "credal-mdp", SPEC §10)
 * does not define (outside /metadata): a problem (EDATA) in sink naming its path and the
 * nearest known name, or with allow_unknown a warning. */
void credal__check_known_names(hid_t file, const char *schema, const credal__names_policy *policy,
                               credal__problems *sink);

#endif /* CREDAL_KNOWN_NAMES_H */
