import ArgumentParser
import LatentDiffCLI
import LatentDiffKernels
import LatentDiffIO
import LatentDiffNN

/// Times fixed workloads (benchmarks/README.md) and reports their throughput, their GFLOP/s and
/// that as a fraction of the fixed-order sgemm's throughput measured in the same run, with the CPU
/// and the kernel path they ran on.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the benchmark workloads (training steps, sampling).",
        discussion: """
            Workloads: \(Benchmark.all.map(\.name).joined(separator: ", ")); see benchmarks/README.md. \
            resblocks-CxHxW: a stack of 4 ResBlocks at C channels on HxW maps, forward + backward + SGD. \
            GFLOP/s counts the multiply-adds of convolutions, linear layers and attention \
            products (2 FLOPs each; a training step = 3x its forward pass).
            """)

    @Option(name: .customLong("workload"), parsing: .singleValue,
            help: "A workload or comma-separated list (repeatable; default: all).")
    var workloadOptions: [String] = []
    @Argument(help: "More workloads.") var workloads: [String] = []
    @Option(help: "Threads for the parallel loops (sampling: samples per thread).") var threads = 1
    @Option(help: "Timed runs per workload (the median is reported).") var repetitions = 5
    @Option(help: "Untimed runs before them.") var warmup = 2
    @Option(help: "Batch size of the training workloads (for profiling; the defined workloads use 128).")
    var batch = 128
    @Flag(help: "One JSON object per workload and line.") var json = false
    @Flag(help: ArgumentHelp("Time by the process' CPU time instead of the wall clock.",
                             discussion: "For comparing versions on a busy machine; at 1 thread only."))
    var cpuTime = false

    var names: [String] {
        (workloadOptions.flatMap { $0.split(separator: ",").map(String.init) } + workloads)
    }

    func validate() throws {
        guard (1...256).contains(threads), (1...1000).contains(repetitions), (0...1000).contains(warmup), (1...4096).contains(batch) else {
            throw ValidationError("--threads must be in 1...256, --repetitions in 1...1000, --warmup in 0...1000, --batch in 1...4096")
        }
        guard !cpuTime || threads == 1 else { throw ValidationError("--cpu-time needs --threads 1") }
        for name in names where !Benchmark.all.contains(where: { $0.name == name }) {
            throw ValidationError("unknown workload '\(name)'")
        }
    }

    func run() throws {
        try reportingErrors {
            Parallel.threadCount = threads
            let sgemm = BLAS.measureSgemmGFLOPS(n: 384)
            if !json { print("cpu: \(CPUInfo.summary)") }
            let chosen = names.isEmpty ? Benchmark.all : Benchmark.all.filter { names.contains($0.name) }
            for benchmark in chosen {
                Parallel.threadCount = threads
                let result = try benchmark.measure(threads: threads, batch: batch, warmup: warmup,
                                                   repetitions: repetitions, cpuTime: cpuTime)
                print(json ? result.json(sgemm: sgemm) : result.text(sgemm: sgemm))
            }
        }
    }
}

/// One workload: what it measures in and how to set up one run of it.
struct Benchmark: Sendable {
    enum Unit: String, Sendable {
        case images = "images/s", latents = "latents/s", milliseconds = "ms"
    }

    let name: String
    let unit: Unit
    /// Images or latents one run processes (throughput units); nil: the batch.
    var items: Int? = nil
    /// Counted forward FLOPs times this are the FLOPs of a run: 3 for training (backward = 2x forward).
    let flopFactor: Int
    /// Builds models and inputs (at `threads`, with `batch` for training) and returns one run.
    let prepare: @Sendable (_ threads: Int, _ batch: Int) throws -> () throws -> Void

    struct Result {
        let benchmark: Benchmark, threads: Int
        /// The unit's value for each timed run.
        let values: [Double]
        let gflops: Double

        var median: Double { medianOf(values) }

        func text(sgemm: Double) -> String {
            "\(benchmark.name): \(threads) thread(s): \(rounded(median, 2)) \(benchmark.unit.rawValue) "
                + "(min \(rounded(values.min() ?? 0, 2)), max \(rounded(values.max() ?? 0, 2))), "
                + "\(rounded(gflops, 1)) GFLOP/s = \(rounded(100 * gflops / sgemm, 1))% of sgemm 384^3 "
                + "(\(rounded(sgemm, 1)) GFLOP/s)"
        }

        func json(sgemm: Double) -> String {
            "{\"workload\": \"\(benchmark.name)\", \"threads\": \(threads), \"unit\": \"\(benchmark.unit.rawValue)\", "
                + "\"median\": \(rounded(median, 4)), \"min\": \(rounded(values.min() ?? 0, 4)), "
                + "\"max\": \(rounded(values.max() ?? 0, 4)), \"gflops\": \(rounded(gflops, 3)), "
                + "\"sgemm_gflops\": \(rounded(sgemm, 3)), \"sgemm_fraction\": \(rounded(gflops / sgemm, 4)), "
                + "\"cpu\": \(jsonQuoted(CPUInfo.modelName)), \"cpu_flags\": \(jsonQuoted(CPUInfo.vectorFlags)), "
                + "\"kernel_path\": \"\(KernelPath.current.rawValue)\"}"
        }
    }

    /// Warm-up runs (at least one, which also counts the FLOPs), then `repetitions` timed runs.
    func measure(threads: Int, batch: Int, warmup: Int, repetitions: Int, cpuTime: Bool) throws -> Result {
        let clock = cpuTime ? MonotonicClock.processCPU : MonotonicClock.now
        let run = try prepare(threads, batch)
        let before = FlopCount.total
        try run()
        let flops = Double(flopFactor * (FlopCount.total - before))
        for _ in 1..<max(1, warmup) { try run() }
        var seconds: [Double] = []
        for _ in 0..<repetitions {
            let start = clock()
            try run()
            seconds.append(clock() - start)
        }
        let values = seconds.map { unit == .milliseconds ? $0 * 1e3 : Double(items ?? batch) / $0 }
        return Result(benchmark: self, threads: threads, values: values, gflops: flops / medianOf(seconds) / 1e9)
    }
}

/// The middle value, or the mean of the two middle values.
func medianOf(_ x: [Double]) -> Double {
    let sorted = x.sorted(), half = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2
}

/// x with `digits` decimals, for printing.
func rounded(_ x: Double, _ digits: Int) -> Double {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return (x * scale).rounded() / scale
}

/// `text` as a JSON string literal.
func jsonQuoted(_ text: String) -> String { JSON.string(text).serialized() }
