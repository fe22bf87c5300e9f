#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds from an arbitrary origin, from CLOCK_MONOTONIC; for timing and rates only.
public enum MonotonicClock {
    public static func now() -> Double { seconds(CLOCK_MONOTONIC) }

    /// CPU seconds used by all threads of the process so far: on a machine shared with other
    /// jobs, the time a computation took when it got the CPU.
    public static func processCPU() -> Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }

    private static func seconds(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
