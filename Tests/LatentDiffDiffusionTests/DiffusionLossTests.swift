import Testing
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN
@testable import LatentDiffDiffusion

@Suite struct DiffusionLossTests {
    /// Data-parallel sharding: the mean of the shards' losses (each given its position in the
    /// batch) is the whole batch's loss, and so are the averaged gradients. A latent of 3 values
    /// puts the second shard's noise off a Philox block boundary.
    @Test func shardsReproduceTheWholeBatch() throws {
        let (batch, size) = (6, 3)
        let store = ParameterStore(seed: 4)
        let denoiser = try makeDenoiser(DenoiserConfig(kind: .mlp, inputShape: [size], widths: [8], blocks: 1, classCount: 2), store: store)
        let loss = DiffusionLoss(schedule: try NoiseSchedule(kind: .linear, timesteps: 100), prediction: .epsilon, labelDropout: 0.5)
        var values = [Float](repeating: 0, count: batch * size)
        values.withUnsafeMutableBufferPointer { Philox(seed: 2).fillNormals($0.baseAddress!, count: batch * size, stream: 0) }
        let labels = [0, 1, 1, 0, -1, 1]

        func run(_ samples: Range<Int>) -> (loss: Float, grads: [[Float]]) {
            let x0 = Tensor(shape: [samples.count, size], values: Array(values[(samples.lowerBound * size)..<(samples.upperBound * size)]))
            let value = loss(denoiser: denoiser, x0: x0, labels: Array(labels[samples]), seed: 9, step: 3, firstIndex: samples.lowerBound)
            value.backward()
            let grads = store.parameters.map { $0.gradValues ?? [Float](repeating: 0, count: $0.count) }
            for p in store.parameters { p.zeroGrad() }
            return (value.scalar, grads)
        }
        let whole = run(0..<batch)
        let first = run(0..<2), second = run(2..<batch)
        // Shards of 2 and 4 samples: the whole mean is (2 first + 4 second) / 6.
        let combined = (2 * first.loss + 4 * second.loss) / 6
        #expect(abs(combined - whole.loss) <= 1e-5 * abs(whole.loss))
        for (i, grad) in whole.grads.enumerated() {
            for j in grad.indices {
                let merged = (2 * first.grads[i][j] + 4 * second.grads[i][j]) / 6
                #expect(abs(merged - grad[j]) <= 1e-5 * (abs(grad[j]) + 1e-3))
            }
        }
    }
}
