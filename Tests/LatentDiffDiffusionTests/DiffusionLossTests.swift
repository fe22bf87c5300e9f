import Foundation
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

    /// Min-SNR-5 weighs eps errors by min(SNR, 5) / SNR and v errors by min(SNR, 5) / (SNR + 1); the
    /// plain objective weighs both 1; EDM's weight is (SNR + 1) / SNR for eps and 1 for v.
    @Test func weightsFollowTheSignalToNoiseRatio() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        for t in [0, 50, 200, 500, 999] {
            let (alpha, sigma) = schedule.scales(at: t)
            let snr = alpha * alpha / (sigma * sigma)
            func weight(_ kind: LossWeightingKind, _ prediction: PredictionType) -> Double {
                Double(kind.weighting.weight(at: t, schedule: schedule, prediction: prediction))
            }
            let close = { (a: Double, b: Double) in abs(a - b) <= 1e-6 * max(1, abs(b)) }
            #expect(weight(.none, .epsilon) == 1 && weight(.none, .v) == 1)
            #expect(close(weight(.minSNR, .epsilon), min(snr, 5) / snr), "t \(t)")
            #expect(close(weight(.minSNR, .v), min(snr, 5) / (snr + 1)), "t \(t)")
            #expect(close(weight(.edm, .epsilon), (snr + 1) / snr), "t \(t)")
            #expect(close(weight(.edm, .v), 1), "t \(t)")
        }
    }

    /// EDM's noise levels: ln(sigma / alpha) of the drawn timesteps is N(-1.2, 1.2^2) (the
    /// linear schedule spans ln sigma~ from -4.6 to 5.1, 2.8 standard deviations either side).
    @Test func edmDrawsLogNormalNoiseLevels() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let philox = Philox(seed: 8)
        let logSigmas = (0..<20_000).map { i -> Double in
            let u = philox.uniforms(stream: 1, index: UInt64(i))
            let t = LossWeightingKind.edm.weighting.timestep(u.0, u.2, schedule: schedule)
            let (alpha, sigma) = schedule.scales(at: t)
            return log(sigma / alpha)
        }
        let mean = logSigmas.reduce(0, +) / Double(logSigmas.count)
        let std = (logSigmas.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logSigmas.count)).squareRoot()
        #expect(abs(mean + 1.2) < 0.05 && abs(std - 1.2) < 0.05, "mean \(mean), std \(std)")
        // Uniform t for the others: the same draw as before weightings existed.
        for kind in [LossWeightingKind.none, .minSNR] {
            #expect(kind.weighting.timestep(0.5, 0.9, schedule: schedule) == 500)
        }
        #expect(schedule.timestep(nearestLogSNR: .infinity) == 0 && schedule.timestep(nearestLogSNR: -.infinity) == 999)
        for t in [0, 1, 17, 500, 998, 999] { #expect(schedule.timestep(nearestLogSNR: schedule.logSNR(t)) == t) }
    }

    /// The weighted loss is the mean over elements of each sample's weight times its squared error.
    @Test func weightedLossIsTheWeightedMeanSquaredError() throws {
        let (batch, size) = (8, 3)
        let store = ParameterStore(seed: 4)
        let denoiser = try makeDenoiser(DenoiserConfig(kind: .mlp, inputShape: [size], widths: [8], blocks: 1, classCount: 0), store: store)
        let schedule = try NoiseSchedule(kind: .linear, timesteps: 100)
        var values = [Float](repeating: 0, count: batch * size)
        values.withUnsafeMutableBufferPointer { Philox(seed: 2).fillNormals($0.baseAddress!, count: batch * size, stream: 0) }
        let x0 = Tensor(shape: [batch, size], values: values)
        let labels = [Int](repeating: -1, count: batch)
        let plain = DiffusionLoss(schedule: schedule, prediction: .epsilon, labelDropout: 0)
        let minSNR = DiffusionLoss(schedule: schedule, prediction: .epsilon, labelDropout: 0, weighting: .minSNR)
        let a = plain(denoiser: denoiser, x0: x0, labels: labels, seed: 9, step: 3).scalar
        let b = minSNR(denoiser: denoiser, x0: x0, labels: labels, seed: 9, step: 3).scalar
        // Same timesteps and noise; min-SNR-5 weighs every sample at most 1 (SNR > 5 at small t).
        #expect(b < a && b > 0, "min-snr \(b) vs plain \(a)")
    }
}
