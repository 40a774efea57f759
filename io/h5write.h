/* Attribute writers shared by the output and input writers. Strings are variable-length UTF-8
 * (h5py reads them as str); integers int64; reals float64. Existing attributes are replaced. */
#ifndef CREDAL_H5WRITE_H
#define CREDAL_H5WRITE_H

#include <hdf5.h>

#include "internal.h"

credal_status credal__h5_write_string_attr(hid_t obj, const char *name, const char *value);
credal_status credal__h5_write_int_attr(hid_t obj, const char *name, int64_t value);
credal_status credal__h5_write_double_attr(hid_t obj, const char *name, double value);

#endif /* CREDAL_H5WRITE_H */
