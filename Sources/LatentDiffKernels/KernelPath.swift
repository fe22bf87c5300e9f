import CFixedOrderGEMM

/// The instruction set the C kernels run on (`kernel_path.h`): every path gives the same bits, so
/// the choice changes only the speed. The best one the CPU has is used unless the environment
/// variable `LATENTDIFF_KERNEL` (`avx512`, `avx2`, `portable`) names a slower one.
public enum KernelPath: String, CaseIterable, Sendable {
    case portable, avx2, avx512

    var c: fixed_order_path {
        switch self {
        case .portable: FIXED_ORDER_PATH_PORTABLE
        case .avx2: FIXED_ORDER_PATH_AVX2
        case .avx512: FIXED_ORDER_PATH_AVX512
        }
    }

    init(_ path: fixed_order_path) {
        self = Self.allCases.first { $0.c == path } ?? .portable
    }

    /// The path the kernels use now.
    public static var current: KernelPath { KernelPath(fixed_order_current_path()) }

    /// The fastest path this CPU runs.
    public static var best: KernelPath { KernelPath(fixed_order_best_path()) }

    /// Whether this CPU runs the path.
    public var isSupported: Bool { fixed_order_path_is_supported(c) != 0 }

    /// The paths this CPU runs, slowest first.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// Serializes `forEachSupported` callers: the path is process-wide.
    private static let forcing = Mutex()

    /// Runs `body` once on each path this CPU runs (process-wide, one caller at a time), then
    /// goes back to the path in use before. For tests that compare the paths' bits; other work
    /// running meanwhile gets the same bits on any path.
    public static func forEachSupported(_ body: (KernelPath) throws -> Void) rethrows {
        try forcing.withLock {
            let before = current
            defer { _ = fixed_order_set_path(before.c) }
            for path in supported {
                _ = fixed_order_set_path(path.c)
                try body(path)
            }
        }
    }
}
