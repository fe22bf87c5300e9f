import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The threads `Parallel` runs loops on: the caller and persistent workers.
///
/// A job is `parts` calls `body(0) ... body(parts - 1)`. Workers and the caller claim parts from a
/// shared counter, so a part that no worker has picked up yet when the caller is free runs on the
/// caller instead of being waited for. Workers that finished a job watch for the next one for
/// `spinNanoseconds` before they sleep: on this kind of VM a sleeping worker took 87 µs on average
/// to start (measured over a U-Net training step's 400 loops), and loops follow each other
/// closely. After that they block on a condition variable and cost nothing.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long a worker keeps looking for a new job before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    /// One loop: its parts, the next part to claim, and how many are done.
    private final class Job: @unchecked Sendable {
        let parts: Int
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        /// Workers that may still join (the caller makes one more thread).
        let seats: Atomic<Int>
        /// Set until the caller has seen every part done; read only by whoever claimed a part.
        var body: ((Int) -> Void)?

        init(parts: Int, workers: Int, body: @escaping (Int) -> Void) {
            self.parts = parts
            self.body = body
            seats = Atomic(workers)
        }

        /// Whether a worker may join (true for at most `workers` of them).
        func takeSeat() -> Bool { seats.wrappingSubtract(1, ordering: .relaxed).oldValue > 0 }

        /// Claims and runs parts until none are left; true if this call finished the last one.
        func work() -> Bool {
            var finishedLast = false
            while true {
                let part = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard part < parts else { return finishedLast }
                run(part)
                finishedLast = done.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parts
            }
        }

        /// body(part), with the closure released before the part counts as done.
        @inline(never) private func run(_ part: Int) { body!(part) }
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when a job is posted, and when a job's last part is done.
    private let posted = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The current job (guarded by `mutex`), and its number, also readable without the lock.
    private var job: Job?
    private let generation = Atomic<Int>(0)
    private var workers = 0

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(posted, nil)
        pthread_cond_init(finished, nil)
    }

    /// body(t) for t in 0..<parts, on the caller and up to threads - 1 workers; returns when all are done.
    func run(parts: Int, threads: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let job = Job(parts: parts, workers: min(parts, threads) - 1, body: body)
            pthread_mutex_lock(mutex)
            startWorkers(min(parts, threads) - 1)
            self.job = job
            generation.add(1, ordering: .releasing)
            pthread_cond_broadcast(posted)
            pthread_mutex_unlock(mutex)
            _ = job.work()
            // The other parts are running on workers: they take about as long as the caller's, so
            // look for their end before sleeping.
            let start = now()
            while job.done.load(ordering: .acquiring) < parts && now() - start < Self.spinNanoseconds {
                sched_yield()
            }
            pthread_mutex_lock(mutex)
            while job.done.load(ordering: .acquiring) < parts { pthread_cond_wait(finished, mutex) }
            if self.job === job { self.job = nil }
            pthread_mutex_unlock(mutex)
            job.body = nil
        }
    }

    /// Starts workers until there are `count` (called with `mutex` held).
    private func startWorkers(_ count: Int) {
        while workers < count {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            guard pthread_create(&thread, nil, { context in
                Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue().workerLoop()
            }, context) == 0 else {
                Unmanaged<WorkerPool>.fromOpaque(context).release()
                return  // no more threads: the caller runs the parts nobody claims
            }
            pthread_detach(thread)
            workers += 1
        }
    }

    private func workerLoop() -> Never {
        Parallel.markAsWorker()
        var seen = generation.load(ordering: .acquiring)
        while true {
            let start = now()
            while generation.load(ordering: .acquiring) == seen && now() - start < Self.spinNanoseconds {
                sched_yield()
            }
            pthread_mutex_lock(mutex)
            while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(posted, mutex) }
            seen = generation.load(ordering: .acquiring)
            let job = self.job
            pthread_mutex_unlock(mutex)
            guard let job, job.takeSeat(), job.work() else { continue }
            // The last part: wake the caller if it sleeps.
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(finished)
            pthread_mutex_unlock(mutex)
        }
    }

    private func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
