#include "kernel_path.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int fixed_order_path_is_supported(fixed_order_path path) {
    switch (path) {
    case FIXED_ORDER_PATH_PORTABLE: return 1;
#if defined(__x86_64__)
    case FIXED_ORDER_PATH_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case FIXED_ORDER_PATH_AVX512:
        return __builtin_cpu_supports("avx512f") && fixed_order_path_is_supported(FIXED_ORDER_PATH_AVX2);
#endif
    default: return 0;
    }
}

fixed_order_path fixed_order_best_path(void) {
    if (fixed_order_path_is_supported(FIXED_ORDER_PATH_AVX512)) return FIXED_ORDER_PATH_AVX512;
    if (fixed_order_path_is_supported(FIXED_ORDER_PATH_AVX2)) return FIXED_ORDER_PATH_AVX2;
    return FIXED_ORDER_PATH_PORTABLE;
}

const char *fixed_order_path_name(fixed_order_path path) {
    switch (path) {
    case FIXED_ORDER_PATH_PORTABLE: return "portable";
    case FIXED_ORDER_PATH_AVX2: return "avx2";
    case FIXED_ORDER_PATH_AVX512: return "avx512";
    default: return "unknown";
    }
}

/// -1 until first read; then the path in use.
static _Atomic int chosen = -1;

/// The best path, or the slower one LATENTDIFF_KERNEL names (an unknown or unsupported name is
/// ignored: the best path is used).
static fixed_order_path initial_path(void) {
    const fixed_order_path best = fixed_order_best_path();
    const char *name = getenv("LATENTDIFF_KERNEL");
    if (name == NULL) return best;
    for (int path = FIXED_ORDER_PATH_PORTABLE; path <= FIXED_ORDER_PATH_AVX512; path++)
        if (strcmp(name, fixed_order_path_name((fixed_order_path)path)) == 0 &&
            fixed_order_path_is_supported((fixed_order_path)path))
            return (fixed_order_path)path;
    return best;
}

fixed_order_path fixed_order_current_path(void) {
    int path = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (path < 0) {
        int unset = -1;
        atomic_compare_exchange_strong(&chosen, &unset, (int)initial_path());
        path = atomic_load(&chosen);
    }
    return (fixed_order_path)path;
}

int fixed_order_set_path(fixed_order_path path) {
    if (!fixed_order_path_is_supported(path)) return -1;
    atomic_store(&chosen, (int)path);
    return 0;
}
