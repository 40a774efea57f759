/* Small HDF5 helpers shared by credal's io/ files: HDF5 errors become credal statuses with the
 * path attached, attributes read whatever their string flavour, and the checks that keep an
 * untrusted input inside its own file (hard links only, no external storage, no virtual
 * sources elsewhere, no unknown filters). */
#include "h5util.h"

#include "codec.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- process-wide setup ---- */

static pthread_once_t h5_once = PTHREAD_ONCE_INIT;

static void h5_init_once(void) {
  /* Errors come back to us as return values; HDF5 must not print them to stderr. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  /* No filter plugins from HDF5_PLUGIN_PATH: an input file must not make us load code. */
  H5PLset_loading_state(0);
  /* LZ4, Zstd, Blosc and Bitshuffle are compiled in (io/codec.c), not loaded */
  credal__codec_register();
}

void credal__h5_init(void) {
  pthread_once(&h5_once, h5_init_once);
  /* The automatic error printer is per thread in a thread-safe HDF5; turn it off here too. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* ---- errors ---- */

typedef struct {
  char outer[256]; /* the API call's description (first entry walking downward) */
  char inner[256]; /* the most specific description (last entry walking downward) */
  int entries;
} h5_walk;

static herr_t h5_walk_cb(unsigned n, const H5E_error2_t *err, void *data) {
  h5_walk *w = data;
  (void)n;
  if (!err || !err->desc || !err->desc[0]) return 0;
  if (w->entries == 0)
    snprintf(w->outer, sizeof w->outer, "%s: %s", err->func_name ? err->func_name : "?",
             err->desc);
  snprintf(w->inner, sizeof w->inner, "%s", err->desc);
  w->entries++;
  return 0;
}

void credal__h5_error_text(char *buf, size_t cap) {
  h5_walk w;
  if (!buf || cap == 0) return;
  buf[0] = '\0';
  memset(&w, 0, sizeof w);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, h5_walk_cb, &w);
  H5Eclear2(H5E_DEFAULT);
  if (w.entries == 1)
    snprintf(buf, cap, "%s", w.outer);
  else if (w.entries > 1)
    snprintf(buf, cap, "%s; %s", w.outer, w.inner);
}

void credal__h5_open_error(const char *path, char *buf, size_t cap) {
  char text[600];
  credal__h5_error_text(text, sizeof text);
  if (strstr(text, "unable to lock file"))
    snprintf(buf, cap,
             "%s is locked by another process that has it open for writing (an h5py.File "
             "opened with 'a', 'r+' or 'w', in a notebook?): close it there (f.close()) and run "
             "again",
             path);
  else if (text[0])
    snprintf(buf, cap, "%s: HDF5 cannot open it (%s)", path, text);
  else
    snprintf(buf, cap, "%s: HDF5 cannot open it", path);
}

credal_status credal__h5_fail(credal_status status, const char *name, const char *what) {
  char text[600];
  credal__h5_error_text(text, sizeof text);
  if (text[0]) return credal__fail(status, "%s: %s failed (HDF5: %s)", name, what, text);
  return credal__fail(status, "%s: %s failed", name, what);
}

const char *credal__h5_class_name(H5T_class_t cls) {
  switch (cls) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_TIME: return "time";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array";
    default: return "unknown";
  }
}

void credal__h5_shape_text(int rank, const hsize_t *dims, char *buf, size_t cap) {
  size_t used = 0;
  if (!buf || cap == 0) return;
  buf[0] = '\0';
  used += (size_t)snprintf(buf, cap, "(");
  for (int i = 0; i < rank && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%llu", i ? ", " : "",
                             (unsigned long long)dims[i]);
  if (rank == 1 && used < cap) used += (size_t)snprintf(buf + used, cap - used, ",");
  if (used < cap) snprintf(buf + used, cap - used, ")");
}

/* ---- hard links only ---- */

/* Refuses the non-hard link `name` in group loc (full path `sofar`); always fails. */
static credal_status refuse_link(hid_t loc, const char *name, const char *sofar,
                                 const H5L_info_t *info) {
  credal_status st = CREDAL_EDATA;
  char *val = NULL;
  size_t size = 0;

  if (info->type == H5L_TYPE_SOFT || info->type == H5L_TYPE_EXTERNAL) {
    size = info->u.val_size;
    if (size > 0 && size < (1u << 20)) val = malloc(size + 1);
    if (val && H5Lget_val(loc, name, val, size, H5P_DEFAULT) < 0) {
      free(val);
      val = NULL;
    }
    if (val) val[size] = '\0';
  }
  if (info->type == H5L_TYPE_SOFT) {
    st = credal__fail(CREDAL_EDATA,
                      "%s: soft link to '%s' is refused (credal follows hard links only)",
                      sofar, val ? val : "?");
  } else if (info->type == H5L_TYPE_EXTERNAL) {
    const char *file = NULL, *obj = NULL;
    unsigned flags = 0;
    if (val && H5Lunpack_elink_val(val, size, &flags, &file, &obj) < 0) file = obj = NULL;
    st = credal__fail(CREDAL_EDATA,
                      "%s: external link to %s:%s is refused (an input must not reach other "
                      "files)",
                      sofar, file ? file : "?", obj ? obj : "?");
  } else {
    st = credal__fail(CREDAL_EDATA,
                      "%s: user-defined link (type %d) is refused (credal follows hard links "
                      "only)",
                      sofar, (int)info->type);
  }
  H5Eclear2(H5E_DEFAULT);
  free(val);
  return st;
}

credal_status credal__h5_open_hard(hid_t file, const char *path, hid_t *out, int *found) {
  credal_status st = CREDAL_OK;
  char buf[CREDAL_H5_PATH_MAX], sofar[CREDAL_H5_PATH_MAX];
  char *save = NULL, *tok, *next_tok;
  hid_t cur = file; /* never closed: the caller's */
  hid_t next = H5I_INVALID_HID;
  size_t used = 0;

  *out = H5I_INVALID_HID;
  *found = 0;
  if (!path || path[0] != '/' || strlen(path) >= sizeof buf)
    return credal__fail(CREDAL_EINTERNAL, "credal__h5_open_hard: bad path '%s'",
                        path ? path : "(null)");
  memcpy(buf, path, strlen(path) + 1);
  sofar[0] = '\0';

  tok = strtok_r(buf, "/", &save);
  if (!tok) { /* the root group itself */
    cur = H5Oopen(file, "/", H5P_DEFAULT);
    if (cur < 0) return credal__h5_fail(CREDAL_EDATA, "/", "opening the root group");
    *out = cur;
    *found = 1;
    return CREDAL_OK;
  }
  while (tok) {
    H5L_info_t info;
    htri_t exists;

    next_tok = strtok_r(NULL, "/", &save);
    used += (size_t)snprintf(sofar + used, sizeof sofar - used, "/%s", tok);

    exists = H5Lexists(cur, tok, H5P_DEFAULT);
    if (exists < 0) {
      st = credal__h5_fail(CREDAL_EDATA, sofar, "looking up the link");
      goto cleanup;
    }
    if (exists == 0) goto cleanup; /* absent: OK, *found = 0 */
    if (H5Lget_info(cur, tok, &info, H5P_DEFAULT) < 0) {
      st = credal__h5_fail(CREDAL_EDATA, sofar, "reading the link");
      goto cleanup;
    }
    if (info.type != H5L_TYPE_HARD) {
      st = refuse_link(cur, tok, sofar, &info);
      goto cleanup;
    }
    next = H5Oopen(cur, tok, H5P_DEFAULT);
    if (next < 0) {
      st = credal__h5_fail(CREDAL_EDATA, sofar, "opening the object");
      goto cleanup;
    }
    if (next_tok && H5Iget_type(next) != H5I_GROUP) {
      st = credal__fail(CREDAL_EDATA, "%s: is a %s, not a group", sofar,
                        H5Iget_type(next) == H5I_DATASET ? "dataset" : "named datatype");
      goto cleanup;
    }
    if (cur != file) H5Oclose(cur);
    cur = next;
    next = H5I_INVALID_HID;
    tok = next_tok;
  }
  *out = cur;
  *found = 1;
  cur = file;

cleanup:
  if (next >= 0) H5Oclose(next);
  if (cur != file) H5Oclose(cur);
  return st;
}

/* ---- where raw data may come from ---- */

static int filter_allowed(H5Z_filter_t id) {
  return id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32 ||
         id == H5Z_FILTER_NBIT || id == H5Z_FILTER_SCALEOFFSET || id == H5Z_FILTER_SZIP ||
         id == CREDAL_FILTER_LZ4 || id == CREDAL_FILTER_ZSTD || id == CREDAL_FILTER_BLOSC ||
         id == CREDAL_FILTER_BITSHUFFLE;
}

#define VDS_DEPTH_MAX 8

static credal_status check_storage(hid_t file, hid_t dset, const char *name, int depth);

/* The file or dataset name of virtual mapping i, into a fresh *text (the old one is freed). */
static credal_status virtual_name(hid_t dcpl, size_t i,
                                  ssize_t (*get)(hid_t, size_t, char *, size_t), const char *name,
                                  const char *what, char **text, ssize_t *len) {
  *len = get(dcpl, i, NULL, 0);
  if (*len < 0 || *len > (1 << 20))
    return credal__fail(CREDAL_EDATA, "%s: cannot read a virtual source %s name", name, what);
  free(*text);
  if (!(*text = malloc((size_t)*len + 1)))
    return credal__fail(CREDAL_ENOMEM, "%s: out of memory", name);
  if (get(dcpl, i, *text, (size_t)*len + 1) < 0)
    return credal__fail(CREDAL_EDATA, "%s: cannot read a virtual source %s name", name, what);
  return CREDAL_OK;
}

/* Virtual dataset: every source must be in this file (".") and reached by hard links. */
static credal_status check_virtual(hid_t file, hid_t dcpl, const char *name, int depth) {
  credal_status st = CREDAL_OK;
  size_t count = 0;
  char *text = NULL;
  hid_t src = H5I_INVALID_HID;

  if (depth >= VDS_DEPTH_MAX)
    return credal__fail(CREDAL_EDATA, "%s: virtual datasets nested more than %d deep", name,
                        VDS_DEPTH_MAX);
  if (H5Pget_virtual_count(dcpl, &count) < 0)
    return credal__h5_fail(CREDAL_EDATA, name, "reading the virtual dataset mappings");
  for (size_t i = 0; i < count; i++) {
    ssize_t len;
    int found = 0;

    if ((st = virtual_name(dcpl, i, H5Pget_virtual_filename, name, "file", &text, &len)))
      goto cleanup;
    if (strcmp(text, ".") != 0) {
      st = credal__fail(CREDAL_EDATA,
                        "%s: virtual dataset maps data from another file ('%s'); refused (an "
                        "input must not reach other files)",
                        name, text);
      goto cleanup;
    }

    if ((st = virtual_name(dcpl, i, H5Pget_virtual_dsetname, name, "dataset", &text, &len)))
      goto cleanup;
    if (text[0] != '/' || (size_t)len >= CREDAL_H5_PATH_MAX || strchr(text, '%')) {
      st = credal__fail(CREDAL_EDATA,
                        "%s: virtual source dataset '%s' is not a plain absolute path; refused",
                        name, text);
      goto cleanup;
    }
    st = credal__h5_open_hard(file, text, &src, &found);
    if (st != CREDAL_OK) goto cleanup;
    if (found && H5Iget_type(src) == H5I_DATASET) {
      st = check_storage(file, src, text, depth + 1);
      if (st != CREDAL_OK) goto cleanup;
    }
    if (src >= 0) H5Oclose(src);
    src = H5I_INVALID_HID;
  }

cleanup:
  if (src >= 0) H5Oclose(src);
  free(text);
  return st;
}

static credal_status check_storage(hid_t file, hid_t dset, const char *name, int depth) {
  credal_status st = CREDAL_OK;
  hid_t dcpl = H5I_INVALID_HID;
  int n;

  dcpl = H5Dget_create_plist(dset);
  if (dcpl < 0) return credal__h5_fail(CREDAL_EDATA, name, "reading the creation properties");

  n = H5Pget_external_count(dcpl);
  if (n < 0) {
    st = credal__h5_fail(CREDAL_EDATA, name, "reading the external storage list");
    goto cleanup;
  }
  if (n > 0) {
    char ext[256] = "?";
    off_t offset = 0;
    hsize_t size = 0;
    if (H5Pget_external(dcpl, 0, sizeof ext, ext, &offset, &size) < 0) {
      H5Eclear2(H5E_DEFAULT);
      snprintf(ext, sizeof ext, "?");
    }
    ext[sizeof ext - 1] = '\0';
    st = credal__fail(CREDAL_EDATA,
                      "%s: raw data stored in %d external file%s ('%s'%s); refused (an input "
                      "must not reach other files)",
                      name, n, n == 1 ? "" : "s", ext, n > 1 ? ", ..." : "");
    goto cleanup;
  }

  if (H5Pget_layout(dcpl) == H5D_VIRTUAL) {
    st = check_virtual(file, dcpl, name, depth);
    if (st != CREDAL_OK) goto cleanup;
  }

  if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
    /* HDF5 inflates a whole chunk at once: a chunk's size bounds what one read allocates, so a
     * few compressed bytes cannot claim gigabytes */
    hsize_t chunk[H5S_MAX_RANK];
    const int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
    hid_t type = H5Dget_type(dset);
    const size_t elem = type >= 0 ? H5Tget_size(type) : 0;
    if (type >= 0) H5Tclose(type);
    uint64_t bytes = elem;
    int overflow = rank < 0 || elem == 0;
    for (int i = 0; i < rank && !overflow; i++) overflow = credal__mul_u64(bytes, chunk[i], &bytes);
    if (overflow || bytes > CREDAL_H5_MAX_CHUNK_BYTES) {
      H5Eclear2(H5E_DEFAULT);
      st = credal__fail(CREDAL_EDATA,
                        "%s: chunks of %s%llu bytes, more than credal inflates at once (%llu); "
                        "refused (rewrite the file with smaller chunks, e.g. h5repack -l CHUNK=...)",
                        name, overflow ? "more than " : "",
                        (unsigned long long)(overflow ? UINT64_MAX : bytes),
                        (unsigned long long)CREDAL_H5_MAX_CHUNK_BYTES);
      goto cleanup;
    }
    /* HDF5 never writes a chunk larger than a fixed dimension, and 1.10 reads through such a
     * damaged layout past its own buffers (fuzzing: tests/fuzz/findings/) */
    hsize_t dims[H5S_MAX_RANK], maxdims[H5S_MAX_RANK];
    hid_t space = H5Dget_space(dset);
    const int srank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, maxdims) : -1;
    if (space >= 0) H5Sclose(space);
    if (srank != rank) {
      H5Eclear2(H5E_DEFAULT);
      st = credal__fail(CREDAL_EDATA, "%s: chunks of rank %d for a dataset of rank %d: a damaged "
                        "layout, refused", name, rank, srank);
      goto cleanup;
    }
    for (int i = 0; i < rank; i++) {
      if (maxdims[i] != H5S_UNLIMITED && chunk[i] > maxdims[i]) {
        st = credal__fail(CREDAL_EDATA,
                          "%s: chunk dimension %d is %llu, larger than the dataset's fixed "
                          "maximum %llu: a damaged layout, refused",
                          name, i, (unsigned long long)chunk[i], (unsigned long long)maxdims[i]);
        goto cleanup;
      }
    }
  }

  n = H5Pget_nfilters(dcpl);
  if (n < 0) {
    st = credal__h5_fail(CREDAL_EDATA, name, "reading the filter pipeline");
    goto cleanup;
  }
  for (int i = 0; i < n; i++) {
    unsigned flags = 0, config = 0;
    size_t nelmts = 0;
    char fname[64] = "";
    H5Z_filter_t id;
    htri_t avail;

    id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nelmts, NULL, sizeof fname, fname, &config);
    if (id < 0) {
      st = credal__h5_fail(CREDAL_EDATA, name, "reading the filter pipeline");
      goto cleanup;
    }
    fname[sizeof fname - 1] = '\0';
    if (!filter_allowed(id)) {
      st = credal__fail(CREDAL_EDATA,
                        "%s: filter %d ('%s') is not supported (credal reads deflate, shuffle, "
                        "fletcher32, LZ4 32004, Zstd 32015, Blosc 32001, Bitshuffle 32008, nbit, "
                        "scaleoffset and szip only)",
                        name, (int)id, fname);
      goto cleanup;
    }
    avail = H5Zfilter_avail(id);
    if (avail <= 0) {
      H5Eclear2(H5E_DEFAULT);
      st = credal__fail(CREDAL_EDATA, "%s: filter %d ('%s') is not available in this HDF5 library",
                        name, (int)id, fname);
      goto cleanup;
    }
  }

cleanup:
  if (dcpl >= 0) H5Pclose(dcpl);
  return st;
}

credal_status credal__h5_check_storage(hid_t file, hid_t dset, const char *name) {
  return check_storage(file, dset, name, 0);
}

credal_status credal__h5_open_dataset(hid_t file, const char *path, hid_t *out) {
  credal_status st;
  hid_t obj = H5I_INVALID_HID;
  int found = 0;
  H5I_type_t type;

  *out = H5I_INVALID_HID;
  st = credal__h5_open_hard(file, path, &obj, &found);
  if (st != CREDAL_OK || !found) return st;
  type = H5Iget_type(obj);
  if (type != H5I_DATASET) {
    st = credal__fail(CREDAL_EDATA, "%s: is a %s, not a dataset", path,
                      type == H5I_GROUP ? "group" : "named datatype");
    goto cleanup;
  }
  st = credal__h5_check_storage(file, obj, path);
  if (st != CREDAL_OK) goto cleanup;
  *out = obj;
  obj = H5I_INVALID_HID;

cleanup:
  if (obj >= 0) H5Oclose(obj);
  return st;
}

/* ---- shapes and types ---- */

credal_status credal__h5_dtype(hid_t dset, const char *name, H5T_class_t *cls, size_t *size,
                               H5T_sign_t *sign) {
  credal_status st = CREDAL_OK;
  hid_t type = H5Dget_type(dset);

  if (type < 0) return credal__h5_fail(CREDAL_EDATA, name, "reading the datatype");
  *cls = H5Tget_class(type);
  *size = H5Tget_size(type);
  *sign = *cls == H5T_INTEGER ? H5Tget_sign(type) : H5T_SGN_ERROR;
  if (*cls == H5T_NO_CLASS || *size == 0 || (*cls == H5T_INTEGER && *sign == H5T_SGN_ERROR))
    st = credal__h5_fail(CREDAL_EDATA, name, "reading the datatype");
  H5Tclose(type);
  return st;
}

int credal__h5_is_bool(hid_t dset) {
  hid_t type = H5Dget_type(dset);
  int yes = 0;
  if (type >= 0 && H5Tget_class(type) == H5T_ENUM && H5Tget_nmembers(type) == 2) {
    char *a = H5Tget_member_name(type, 0), *b = H5Tget_member_name(type, 1);
    yes = a && b && !strcmp(a, "FALSE") && !strcmp(b, "TRUE");
    H5free_memory(a);
    H5free_memory(b);
  }
  if (type >= 0) H5Tclose(type);
  H5Eclear2(H5E_DEFAULT);
  return yes;
}

const char *credal__h5_data_words(hid_t dset, H5T_class_t cls, char *buf, size_t cap) {
  if (cls == H5T_ENUM && credal__h5_is_bool(dset))
    snprintf(buf, cap, "numpy bool data (h5py stores it as an enum of FALSE and TRUE)");
  else
    snprintf(buf, cap, "%s data", credal__h5_class_name(cls));
  return buf;
}

credal_status credal__h5_shape(hid_t dset, const char *name, int *rank, hsize_t *dims,
                               int max_rank) {
  credal_status st = CREDAL_OK;
  hsize_t all[H5S_MAX_RANK];
  hid_t space = H5Dget_space(dset);
  int r;

  *rank = 0;
  if (space < 0) return credal__h5_fail(CREDAL_EDATA, name, "reading the dataspace");
  r = H5Sget_simple_extent_ndims(space);
  if (r < 0 || r > H5S_MAX_RANK || (r > 0 && H5Sget_simple_extent_dims(space, all, NULL) < 0)) {
    st = credal__h5_fail(CREDAL_EDATA, name, "reading the dataspace");
    goto cleanup;
  }
  *rank = r;
  for (int i = 0; i < r && i < max_rank; i++) dims[i] = all[i];

cleanup:
  H5Sclose(space);
  return st;
}

credal_status credal__h5_read_block(hid_t dset, const char *name, int rank,
                                    const hsize_t *start, const hsize_t *count, hid_t memtype,
                                    void *out) {
  return credal__h5_read_interleaved(dset, name, rank, start, count, memtype, out, 1, 0);
}

credal_status credal__h5_read_interleaved(hid_t dset, const char *name, int rank,
                                          const hsize_t *start, const hsize_t *count,
                                          hid_t memtype, void *out, int every, int at) {
  credal_status st = CREDAL_OK;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  char what[160];

  if (rank < 1 || rank > 2)
    return credal__fail(CREDAL_EINTERNAL, "%s: read of rank %d not supported", name, rank);
  /* Reads may run on an I/O thread: HDF5's error printer is per thread. */
  credal__h5_init();
  for (int i = 0; i < rank; i++)
    if (count[i] == 0) return CREDAL_OK;
  if (rank == 1)
    snprintf(what, sizeof what, "reading elements %llu..%llu",
             (unsigned long long)start[0], (unsigned long long)(start[0] + count[0] - 1));
  else
    snprintf(what, sizeof what, "reading rows %llu..%llu, columns %llu..%llu",
             (unsigned long long)start[0], (unsigned long long)(start[0] + count[0] - 1),
             (unsigned long long)start[1], (unsigned long long)(start[1] + count[1] - 1));

  fspace = H5Dget_space(dset);
  if (fspace < 0) {
    st = credal__h5_fail(CREDAL_EIO, name, what);
    goto cleanup;
  }
  if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0) {
    st = credal__h5_fail(CREDAL_EIO, name, what);
    goto cleanup;
  }
  {
    /* memory rows at, at+every, at+2*every, ... of a (count[0]*every, count[1]) block */
    hsize_t mdims[2] = {count[0] * (hsize_t)every, rank > 1 ? count[1] : 1};
    const hsize_t mstart[2] = {(hsize_t)at, 0}, mstride[2] = {(hsize_t)every, 1};
    mspace = H5Screate_simple(rank, mdims, NULL);
    if (mspace < 0 || (every > 1 && H5Sselect_hyperslab(mspace, H5S_SELECT_SET, mstart, mstride,
                                                        count, NULL) < 0)) {
      st = credal__h5_fail(CREDAL_EIO, name, what);
      goto cleanup;
    }
  }
  if (H5Dread(dset, memtype, mspace, fspace, H5P_DEFAULT, out) < 0) {
    st = credal__h5_fail(CREDAL_EIO, name, what);
    goto cleanup;
  }

cleanup:
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  return st;
}

/* ---- attributes ---- */

/* Opens attribute attr of obj when it exists and holds exactly one value. */
static credal_status attr_open(hid_t obj, const char *objname, const char *attr, hid_t *out,
                               hid_t *type, int *found) {
  credal_status st = CREDAL_OK;
  hid_t a = H5I_INVALID_HID, space = H5I_INVALID_HID;
  hssize_t n;
  htri_t exists;
  char what[128];

  *out = *type = H5I_INVALID_HID;
  *found = 0;
  snprintf(what, sizeof what, "reading attribute '%s'", attr);
  exists = H5Aexists(obj, attr);
  if (exists < 0) return credal__h5_fail(CREDAL_EDATA, objname, what);
  if (exists == 0) return CREDAL_OK;

  a = H5Aopen(obj, attr, H5P_DEFAULT);
  if (a < 0) {
    st = credal__h5_fail(CREDAL_EDATA, objname, what);
    goto cleanup;
  }
  space = H5Aget_space(a);
  if (space < 0) {
    st = credal__h5_fail(CREDAL_EDATA, objname, what);
    goto cleanup;
  }
  n = H5Sget_simple_extent_npoints(space);
  if (n != 1) {
    H5Eclear2(H5E_DEFAULT);
    st = credal__fail(CREDAL_EDATA, "%s: attribute '%s' must hold one value, it holds %lld",
                      objname, attr, (long long)(n < 0 ? 0 : n));
    goto cleanup;
  }
  *type = H5Aget_type(a);
  if (*type < 0) {
    st = credal__h5_fail(CREDAL_EDATA, objname, what);
    goto cleanup;
  }
  *out = a;
  a = H5I_INVALID_HID;
  *found = 1;

cleanup:
  if (space >= 0) H5Sclose(space);
  if (a >= 0) H5Aclose(a);
  return st;
}

#define ATTR_STRING_MAX (1u << 16)

credal_status credal__h5_attr_string(hid_t obj, const char *objname, const char *attr,
                                     char *buf, size_t cap, int *found) {
  credal_status st;
  hid_t a = H5I_INVALID_HID, ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
  char *vl = NULL, *fixed = NULL;
  const char *text = "";
  char what[128];
  htri_t is_vl;

  if (cap > 0) buf[0] = '\0';
  snprintf(what, sizeof what, "reading attribute '%s'", attr);
  st = attr_open(obj, objname, attr, &a, &ftype, found);
  if (st != CREDAL_OK || !*found) goto cleanup;
  if (H5Tget_class(ftype) != H5T_STRING) {
    st = credal__fail(CREDAL_EDATA, "%s: attribute '%s' is %s, expected a string", objname, attr,
                      credal__h5_class_name(H5Tget_class(ftype)));
    goto cleanup;
  }
  is_vl = H5Tis_variable_str(ftype);
  if (is_vl < 0) {
    st = credal__h5_fail(CREDAL_EDATA, objname, what);
    goto cleanup;
  }
  if (is_vl) {
    mtype = H5Tcopy(H5T_C_S1);
    if (mtype < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 ||
        H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0 || H5Aread(a, mtype, &vl) < 0) {
      st = credal__h5_fail(CREDAL_EDATA, objname, what);
      goto cleanup;
    }
    if (vl) text = vl;
  } else {
    size_t size = H5Tget_size(ftype);
    if (size == 0 || size > ATTR_STRING_MAX) {
      st = credal__fail(CREDAL_EDATA, "%s: attribute '%s' is a string of %zu bytes; too long",
                        objname, attr, size);
      goto cleanup;
    }
    fixed = calloc(size + 1, 1);
    if (!fixed) {
      st = credal__fail(CREDAL_ENOMEM, "%s: out of memory reading attribute '%s'", objname,
                        attr);
      goto cleanup;
    }
    mtype = H5Tcopy(ftype);
    if (mtype < 0 || H5Aread(a, mtype, fixed) < 0) {
      st = credal__h5_fail(CREDAL_EDATA, objname, what);
      goto cleanup;
    }
    /* Fixed strings are NUL-, space- or NUL-padded; drop trailing padding. */
    for (size_t len = strlen(fixed); len > 0 && fixed[len - 1] == ' '; len--)
      fixed[len - 1] = '\0';
    text = fixed;
  }
  if (cap > 0) snprintf(buf, cap, "%s", text);

cleanup:
  if (vl) H5free_memory(vl);
  free(fixed);
  if (mtype >= 0) H5Tclose(mtype);
  if (ftype >= 0) H5Tclose(ftype);
  if (a >= 0) H5Aclose(a);
  return st;
}

credal_status credal__h5_attr_int64(hid_t obj, const char *objname, const char *attr,
                                    int64_t *value, int *found) {
  credal_status st;
  hid_t a = H5I_INVALID_HID, ftype = H5I_INVALID_HID;
  char what[128];

  snprintf(what, sizeof what, "reading attribute '%s'", attr);
  st = attr_open(obj, objname, attr, &a, &ftype, found);
  if (st != CREDAL_OK || !*found) goto cleanup;
  if (H5Tget_class(ftype) != H5T_INTEGER) {
    st = credal__fail(CREDAL_EDATA, "%s: attribute '%s' is %s, expected an integer", objname,
                      attr, credal__h5_class_name(H5Tget_class(ftype)));
    goto cleanup;
  }
  if (H5Tget_sign(ftype) == H5T_SGN_NONE && H5Tget_size(ftype) >= 8) {
    uint64_t u = 0;
    if (H5Aread(a, H5T_NATIVE_UINT64, &u) < 0) {
      st = credal__h5_fail(CREDAL_EDATA, objname, what);
      goto cleanup;
    }
    *value = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
  } else {
    int64_t v = 0;
    if (H5Aread(a, H5T_NATIVE_INT64, &v) < 0) {
      st = credal__h5_fail(CREDAL_EDATA, objname, what);
      goto cleanup;
    }
    *value = v;
  }

cleanup:
  if (ftype >= 0) H5Tclose(ftype);
  if (a >= 0) H5Aclose(a);
  return st;
}

credal_status credal__h5_attr_double(hid_t obj, const char *objname, const char *attr,
                                     double *value, int *found) {
  credal_status st;
  hid_t a = H5I_INVALID_HID, ftype = H5I_INVALID_HID;
  H5T_class_t cls;
  double v = 0.0;
  char what[128];

  snprintf(what, sizeof what, "reading attribute '%s'", attr);
  st = attr_open(obj, objname, attr, &a, &ftype, found);
  if (st != CREDAL_OK || !*found) goto cleanup;
  cls = H5Tget_class(ftype);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    st = credal__fail(CREDAL_EDATA, "%s: attribute '%s' is %s, expected a number", objname,
                      attr, credal__h5_class_name(cls));
    goto cleanup;
  }
  if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) {
    st = credal__h5_fail(CREDAL_EDATA, objname, what);
    goto cleanup;
  }
  *value = v;

cleanup:
  if (ftype >= 0) H5Tclose(ftype);
  if (a >= 0) H5Aclose(a);
  return st;
}
