import ArgumentParser
import LatentDiffCLI
import LatentDiffKernels
import LatentDiffMPI
import LatentDiffPipeline

/// `latentdiff-mpi bench-allreduce`: the time of the all-reduce data-parallel training does each
/// step, alone (the time the training log reports also holds waiting for slower ranks). Its
/// numbers feed the cost model of docs/scaling.md.
struct BenchAllReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-allreduce",
        abstract: "Time MPI_Allreduce (sum) of a float32 buffer, as training does once per step.")

    @Option(help: "Buffer size in float32 values (e.g. a model's parameter count).") var floats = 1 << 20
    @Option(help: "Timed repetitions (after 3 untimed ones).") var repeats = 20

    func run() throws {
        onWorld { world in
            guard floats > 0, repeats > 0 else { throw LatentDiffError.invalidArgument("--floats and --repeats must be positive") }
            var buffer = [Float](repeating: 1, count: floats)
            var times: [Double] = []
            for round in 0..<(repeats + 3) {
                let start = MonotonicClock.now()
                buffer.withUnsafeMutableBufferPointer { world.allReduceSum($0.baseAddress!, count: floats) }
                if round >= 3 { times.append(MonotonicClock.now() - start) }
            }
            guard world.shard.isLead else { return }
            times.sort()
            let median = times[times.count / 2]
            let bytes = Double(floats * MemoryLayout<Float>.size)
            // A ring all-reduce moves 2 (N - 1) / N of the buffer through each rank's link.
            let busBandwidth = 2 * Double(world.size - 1) / Double(world.size) * bytes / median
            print("all-reduce of \(floats) floats (\(format(bytes / 1_048_576, digits: 2)) MB) over \(world.size) ranks: "
                  + "median \(format(median * 1000, digits: 3)) ms, min \(format(times[0] * 1000, digits: 3)) ms, "
                  + "bus bandwidth \(format(busBandwidth / 1e9, digits: 2)) GB/s")
        }
    }
}
