import LatentDiffKernels
import LatentDiffNN
import LatentDiffPipeline

/// The gradient hook of data-parallel training: packs every parameter's gradient into one flat
/// buffer, sums it across ranks with one MPI_Allreduce and divides by the rank count. Each rank's
/// loss is the mean over its equal slice of the batch, so the average is the whole batch's
/// gradient. One flag per parameter travels with the buffer: a parameter gets a gradient only
/// when some rank's backward gave it one, as one process with the whole batch would.
public final class GradientAverage {
    public let world: Communicator
    private var buffer: [Float] = []
    private var steps = 0
    private var seconds = 0.0

    public init(world: Communicator) { self.world = world }

    public func callAsFunction(_ parameters: [Tensor]) {
        let total = parameters.reduce(0) { $0 + $1.count }
        if buffer.count != total + parameters.count { buffer = [Float](repeating: 0, count: total + parameters.count) }
        buffer.withUnsafeMutableBufferPointer { buffer in
            guard let flat = buffer.baseAddress else { return }
            var offset = 0
            for (i, parameter) in parameters.enumerated() {
                if let grad = parameter.grad {
                    (flat + offset).update(from: grad, count: parameter.count)
                    flat[total + i] = 1
                } else {
                    (flat + offset).update(repeating: 0, count: parameter.count)
                    flat[total + i] = 0
                }
                offset += parameter.count
            }
            let start = MonotonicClock.now()
            world.allReduceSum(flat, count: buffer.count)
            seconds += MonotonicClock.now() - start
            let ranks = Float(world.size)
            offset = 0
            for (i, parameter) in parameters.enumerated() {
                if flat[total + i] > 0 {
                    let grad = parameter.gradBuffer()
                    for j in 0..<parameter.count { grad[j] = flat[offset + j] / ranks }
                }
                offset += parameter.count
            }
        }
        steps += 1
    }

    /// The all-reduce's size and mean time per step, for the log.
    public var summary: String {
        let megabytes = Double(buffer.count * MemoryLayout<Float>.size) / 1_048_576
        let milliseconds = steps > 0 ? seconds * 1000 / Double(steps) : 0
        return "all-reduce: \(format(megabytes, digits: 2)) MB of gradients per step over \(world.size) ranks, "
            + "\(format(milliseconds, digits: 3)) ms per step (\(steps) steps)"
    }
}
