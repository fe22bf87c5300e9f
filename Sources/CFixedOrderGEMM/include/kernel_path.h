#ifndef KERNEL_PATH_H
#define KERNEL_PATH_H

/// Which instruction set the kernels (the fixed-order product, its convolution helpers and the
/// element-wise loops of CSIMDLoops) run on. Every path gives the same bits: each product entry is
/// one in-order FMA chain and each element-wise step is separately rounded, whatever the width of
/// the vectors that carry them; the paths differ only in speed.
typedef enum {
    FIXED_ORDER_PATH_PORTABLE = 0,  ///< plain C (`fmaf`), any CPU
    FIXED_ORDER_PATH_AVX2 = 1,      ///< x86-64 with AVX2 and FMA: 8-float vectors
    FIXED_ORDER_PATH_AVX512 = 2,    ///< x86-64 with AVX-512F: 16-float vectors, 32 registers
} fixed_order_path;

/// The fastest path this CPU runs (from CPUID, as the compiler's runtime reports it).
fixed_order_path fixed_order_best_path(void);

/// The path in use: the best one, unless `fixed_order_set_path` or the environment variable
/// LATENTDIFF_KERNEL (`avx512`, `avx2` or `portable`, read once) chose a slower one.
fixed_order_path fixed_order_current_path(void);

/// Uses `path` from now on, process-wide (for tests and A/B timings). Returns 0, or -1 without
/// changing anything when this CPU cannot run `path`.
int fixed_order_set_path(fixed_order_path path);

/// Whether this CPU runs `path`.
int fixed_order_path_is_supported(fixed_order_path path);

/// "avx512", "avx2" or "portable" (static storage; "unknown" for other values).
const char *fixed_order_path_name(fixed_order_path path);

#endif
