/* Small HDF5 helpers shared by credal's io/ files.
 *
 * Every helper returns a credal_status; on failure it has set this thread's last error
 * (credal__fail) to a message that starts with the HDF5 path at fault, e.g.
 *   "/hypotheses/points: reading rows 0..99 failed (HDF5: H5Dread: can't read data; ...)".
 * Nothing here prints: credal__h5_init() turns HDF5's automatic error printing off. */
#ifndef CREDAL_H5UTIL_H
#define CREDAL_H5UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "internal.h"

/* Longest HDF5 path the helpers accept (ours are short constants). */
#define CREDAL_H5_PATH_MAX 256

/* Once per process (pthread_once): no automatic HDF5 error printing, no dynamically loaded
 * filter plugins (an input file must not make us dlopen() anything). Safe to call often. */
void credal__h5_init(void);

/* The current HDF5 error stack of this thread as one line ("" when empty), then clears it. */
void credal__h5_error_text(char *buf, size_t cap);
/* After a failed H5Fopen of path: why, in words (a lock held by a writer named as such). */
void credal__h5_open_error(const char *path, char *buf, size_t cap);

/* Sets the last error to "NAME: WHAT failed (HDF5: ...)" and returns status. */
credal_status credal__h5_fail(credal_status status, const char *name, const char *what);

/* "integer", "float", "string", ... for messages. */
const char *credal__h5_class_name(H5T_class_t cls);
/* Whether dset holds numpy bools as h5py writes them (an enum of FALSE=0 and TRUE=1). */
int credal__h5_is_bool(hid_t dset);
/* "float data", or for h5py's bools words a numpy user recognises; into buf, returned. */
const char *credal__h5_data_words(hid_t dset, H5T_class_t cls, char *buf, size_t cap);

/* "(3, 4)" for messages. */
void credal__h5_shape_text(int rank, const hsize_t *dims, char *buf, size_t cap);

/* Opens the object at the absolute path, walking it component by component and following
 * hard links only: a soft, external or user-defined link anywhere on the way is refused
 * (CREDAL_EDATA, naming the link and its target), as is a non-group in the middle.
 * Absent: returns CREDAL_OK with *found = 0 and *out = H5I_INVALID_HID.
 * Present: *found = 1 and *out is an object id (H5Oclose it). */
credal_status credal__h5_open_hard(hid_t file, const char *path, hid_t *out, int *found);

/* The largest chunk a dataset may have: HDF5 allocates (and inflates) whole chunks. */
#define CREDAL_H5_MAX_CHUNK_BYTES ((uint64_t)64 << 20)

/* Refuses (CREDAL_EDATA) a dataset whose chunks exceed CREDAL_H5_MAX_CHUNK_BYTES, whose raw
 * data could come from somewhere else than this file or needs a filter we do not trust: external raw storage, virtual sources in other
 * files (same-file sources are checked recursively, by hard links only), and filters other
 * than deflate, shuffle, fletcher32, nbit, scaleoffset and szip, or not available here. */
credal_status credal__h5_check_storage(hid_t file, hid_t dset, const char *name);

/* credal__h5_open_hard + "is a dataset" + credal__h5_check_storage.
 * Absent: CREDAL_OK with *out = H5I_INVALID_HID. A group or a named datatype at path:
 * CREDAL_EDATA "PATH: is a group, not a dataset". */
credal_status credal__h5_open_dataset(hid_t file, const char *path, hid_t *out);

/* The dataset's datatype class, size in bytes and sign (H5T_SGN_ERROR unless integer). */
credal_status credal__h5_dtype(hid_t dset, const char *name, H5T_class_t *cls, size_t *size,
                               H5T_sign_t *sign);

/* The dataset's rank (0 for scalar and null dataspaces) and its first min(rank, max_rank)
 * dimensions. */
credal_status credal__h5_shape(hid_t dset, const char *name, int *rank, hsize_t *dims,
                               int max_rank);

/* Reads the block start[] .. start[]+count[] of a rank-1 or rank-2 dataset into out as
 * memtype (a contiguous, row-major (count[0], count[1]) array). Nothing is read when a count
 * is 0. Read failures are CREDAL_EIO. */
credal_status credal__h5_read_block(hid_t dset, const char *name, int rank,
                                    const hsize_t *start, const hsize_t *count, hid_t memtype,
                                    void *out);
/* The same block into every `every`-th row of out, starting at row `at` (out has
 * count[0]*every rows): how two datasets are read interleaved row by row. */
credal_status credal__h5_read_interleaved(hid_t dset, const char *name, int rank,
                                          const hsize_t *start, const hsize_t *count,
                                          hid_t memtype, void *out, int every, int at);

/* Attributes of obj (objname is for messages). Each one holds exactly one value.
 * Absent: CREDAL_OK with *found = 0 and the output untouched (buf gets ""). */
/* A string, fixed or variable length, into buf (truncated to cap-1 bytes, padding removed). */
credal_status credal__h5_attr_string(hid_t obj, const char *objname, const char *attr,
                                     char *buf, size_t cap, int *found);
/* An integer of any integer type; unsigned values above INT64_MAX read as INT64_MAX. */
credal_status credal__h5_attr_int64(hid_t obj, const char *objname, const char *attr,
                                    int64_t *value, int *found);
/* A float or integer number as double. */
credal_status credal__h5_attr_double(hid_t obj, const char *objname, const char *attr,
                                     double *value, int *found);

#endif /* CREDAL_H5UTIL_H */
