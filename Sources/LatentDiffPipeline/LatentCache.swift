import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// A data set encoded once by a codec: latents (N, latentShape...) with their scalar mean and
/// standard deviation, from which diffusion training draws batches by index.
public struct LatentCache {
    public let latentShape: [Int]
    public let latentCount: Int
    public let values: [Float]
    public let mean: Float
    public let std: Float

    public init(codec: Codec, dataset: Dataset, batchSize: Int = 500, log: (String) -> Void) throws {
        latentShape = codec.config.latentShape
        latentCount = latentShape.reduce(1, *)
        var values = [Float]()
        values.reserveCapacity(dataset.count * latentCount)
        let progress = ProgressReporter(title: "encode", total: dataset.count, unit: "img")
        var start = 0
        while start < dataset.count {
            let count = min(batchSize, dataset.count - start)
            let batch = try dataset.batch(indices: Array(start..<(start + count)))
            let images = Tensor(shape: [count, dataset.channels, dataset.height, dataset.width], values: batch.pixels)
            let latents = codec.encode(images)
            values += latents.values
            start += count
            progress.update(start)
        }
        progress.finish()
        var sum = 0.0, squares = 0.0
        for v in values { sum += Double(v); squares += Double(v) * Double(v) }
        let mean = sum / Double(values.count)
        let variance = max(squares / Double(values.count) - mean * mean, 1e-12)
        self.values = values
        self.mean = Float(mean)
        self.std = Float(variance.squareRoot())
        log("latents \(latentShape): mean \(format(mean, digits: 4)), std \(format(variance.squareRoot(), digits: 4))")
    }

    /// The standardized latents (x - mean) / std of `indices`, (B, latentShape...).
    public func batch(_ indices: [Int]) -> Tensor {
        let out = Tensor(zeros: [indices.count] + latentShape)
        for (b, index) in indices.enumerated() {
            for i in 0..<latentCount {
                out.data[b * latentCount + i] = (values[index * latentCount + i] - mean) / std
            }
        }
        return out
    }
}
