/* The processes of an MPI run (issue 6), or just this one. Built without MPI (CREDAL_HAVE_MPI
 * undefined), or run without mpirun/srun, there is one rank: rank 0 of 1. */
#ifndef CREDAL_RANKS_H
#define CREDAL_RANKS_H

#include "../io/internal.h"

typedef struct {
  int rank, size;             /* in MPI_COMM_WORLD */
  int local_rank, local_size; /* on this node (for GPUs and threads) */
} credal__ranks;

/* Initialises MPI (threads serialised: the pipeline's I/O thread makes HDF5's MPI calls) when
 * built with it; call once from main, before anything else. */
void credal__ranks_init(int *argc, char ***argv);
void credal__ranks_finalize(void);
const credal__ranks *credal__ranks_get(void);

/* Collectives over all ranks (no-ops with one). */
int64_t credal__ranks_max(int64_t value);
void credal__ranks_barrier(void);
/* Rank root's bytes into buf on every rank. */
void credal__ranks_bcast(void *buf, size_t bytes, int root);
/* Point to point, in order between two ranks: bytes of buf to rank `to`; from rank `from`
 * into buf (exactly bytes). */
credal_status credal__ranks_send(const void *buf, size_t bytes, int to);
credal_status credal__ranks_recv(void *buf, size_t bytes, int from);
/* Ends every rank at once (a collective step failed on some of them). */
void credal__ranks_abort(int code);

#endif /* CREDAL_RANKS_H */
