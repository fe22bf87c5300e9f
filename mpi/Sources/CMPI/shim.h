#ifndef LATENTDIFF_CMPI_SHIM_H
#define LATENTDIFF_CMPI_SHIM_H

// Open MPI's handles are macros over addresses of its globals (MPI_COMM_WORLD is
// ((MPI_Comm)&ompi_mpi_comm_world)), which Swift cannot import; these functions return them.
#include <mpi.h>

static inline MPI_Comm ld_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype ld_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype ld_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype ld_mpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Op ld_mpi_sum(void) { return MPI_SUM; }
static inline void *ld_mpi_in_place(void) { return MPI_IN_PLACE; }

#endif
