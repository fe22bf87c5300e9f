// OpenBLAS' CBLAS interface and its thread-count controls (openblas_set_num_threads).
#include <cblas.h>

// LAPACK's symmetric eigensolver (divide and conquer), which OpenBLAS exports with Fortran linkage.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);
