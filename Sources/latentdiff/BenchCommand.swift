import ArgumentParser
import LatentDiffKernels
import LatentDiffNN

/// Times training steps of fixed workloads and compares their convolution throughput with
/// OpenBLAS' sgemm measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training steps (forward + backward + SGD) of fixed workloads.",
        discussion: """
            resblocks-CxHxW: a stack of 4 ResBlocks (GroupNorm-SiLU-Conv3x3, twice, plus the residual) \
            at C channels on HxW maps. GFLOP/s counts convolution FLOPs only, forward + backward = 3x forward.
            """)

    @Argument(help: "Workloads to run: \(Workload.all.map(\.name).joined(separator: ", ")) (default: all).")
    var workloads: [String] = []
    @Option(help: "Threads for OpenBLAS and the parallel loops.") var threads = 1
    @Option(help: "Timed steps per workload (the median is reported).") var repetitions = 5
    @Option(help: "Batch size.") var batch = 128
    @Flag(help: "Print one JSON object per workload instead of text.") var json = false

    func validate() throws {
        guard (1...256).contains(threads), (1...1000).contains(repetitions), (1...4096).contains(batch) else {
            throw ValidationError("--threads must be in 1...256, --repetitions in 1...1000, --batch in 1...4096")
        }
        for name in workloads where !Workload.all.contains(where: { $0.name == name }) {
            throw ValidationError("unknown workload '\(name)'")
        }
    }

    func run() throws {
        Parallel.threadCount = threads
        let chosen = workloads.isEmpty ? Workload.all : Workload.all.filter { workloads.contains($0.name) }
        for workload in chosen {
            let result = try workload.measure(batch: batch, repetitions: repetitions)
            print(json ? result.json(threads: threads) : result.text(threads: threads))
        }
    }
}

/// A stack of ResBlocks at one width and map size.
struct Workload {
    let name: String
    let channels: Int, side: Int
    let blocks = 4, groups = 8

    static let all = [Workload(name: "resblocks-96x8x8", channels: 96, side: 8),
                      Workload(name: "resblocks-48x16x16", channels: 48, side: 16)]

    struct Result {
        let workload: Workload, batch: Int
        let milliseconds: Double, convGFLOPS: Double
        /// sgemm throughput on the convolutions' lowered shape and on 384^3.
        let sgemmGFLOPS: Double, squareSgemmGFLOPS: Double

        var fraction: Double { convGFLOPS / sgemmGFLOPS }
        var shape: String {
            "\(workload.channels)x\(batch * workload.side * workload.side)x\(9 * workload.channels)"
        }

        func text(threads: Int) -> String {
            "\(workload.name): batch \(batch), \(threads) thread(s): \(rounded(milliseconds, 1)) ms/step, "
                + "\(rounded(convGFLOPS, 1)) conv GFLOP/s = \(rounded(100 * fraction, 1))% of sgemm "
                + "\(shape) (\(rounded(sgemmGFLOPS, 1)) GFLOP/s; 384^3: \(rounded(squareSgemmGFLOPS, 1)))"
        }

        func json(threads: Int) -> String {
            "{\"workload\": \"\(workload.name)\", \"batch\": \(batch), \"threads\": \(threads), "
                + "\"ms_per_step\": \(rounded(milliseconds, 2)), \"conv_gflops\": \(rounded(convGFLOPS, 2)), "
                + "\"sgemm_shape\": \"\(shape)\", \"sgemm_gflops\": \(rounded(sgemmGFLOPS, 2)), "
                + "\"sgemm_fraction\": \(rounded(fraction, 4)), \"sgemm_384_gflops\": \(rounded(squareSgemmGFLOPS, 2))}"
        }
    }

    func measure(batch: Int, repetitions: Int) throws -> Result {
        let store = ParameterStore(seed: 1)
        let stack = try (0..<blocks).map {
            try ResBlock(store, "blocks.\($0)", inChannels: channels, outChannels: channels, groups: groups)
        }
        let x = Tensor(zeros: [batch, channels, side, side])
        Philox(seed: 2).fillNormals(x.data, count: x.count, stream: 0)
        // One step: forward, backward of mean(h^2), in-place SGD.
        func step() {
            var h = x
            for block in stack { h = block(h) }
            mean(multiply(h, h)).backward()
            for p in store.parameters {
                let g = p.gradBuffer()
                for i in 0..<p.count { p.data[i] -= 1e-3 * g[i] }
                p.zeroGrad()
            }
        }
        step()  // warm-up
        var times: [Double] = []
        for _ in 0..<repetitions {
            let start = MonotonicClock.now()
            step()
            times.append(MonotonicClock.now() - start)
        }
        let seconds = times.sorted()[times.count / 2]
        let positions = batch * side * side
        let forwardFLOPs = Double(2 * blocks) * 2 * Double(channels * 9 * channels) * Double(positions)
        return Result(
            workload: self, batch: batch, milliseconds: seconds * 1e3,
            convGFLOPS: 3 * forwardFLOPs / seconds / 1e9,
            sgemmGFLOPS: BLAS.measureSgemmGFLOPS(m: channels, n: positions, k: 9 * channels),
            squareSgemmGFLOPS: BLAS.measureSgemmGFLOPS(n: 384))
    }
}

/// x with `digits` decimals, for printing.
private func rounded(_ x: Double, _ digits: Int) -> Double {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return (x * scale).rounded() / scale
}
