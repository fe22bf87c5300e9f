// OpenBLAS' CBLAS interface and its thread-count controls (openblas_set_num_threads).
#include <cblas.h>
