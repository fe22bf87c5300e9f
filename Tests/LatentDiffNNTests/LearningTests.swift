#if canImport(Glibc)
import Glibc
#endif
import LatentDiffKernels
import Testing
@testable import LatentDiffNN

/// Small models learn a synthetic MNIST-like task: 8x8 gray images of four pattern classes
/// (horizontal stripes, vertical stripes, a diagonal line, a centred square) with random phase,
/// contrast and noise.
@Suite struct LearningTests {
    static let classes = 4, side = 8

    /// A batch of images (B, 1, 8, 8) and labels, reproducible from (seed, step).
    static func batch(size: Int, step: UInt64) -> (Tensor, [Int]) {
        let philox = Philox(seed: 2024)
        let images = Tensor(zeros: [size, 1, side, side])
        var labels: [Int] = []
        for n in 0..<size {
            let stream = step &* 1000 &+ UInt64(n)
            let (u0, u1, u2, _) = philox.uniforms(stream: stream, index: 0)
            let label = Int(u0 * Float(classes)) % classes
            let phase = Int(u1 * 4), contrast = 0.5 + u2
            labels.append(label)
            var noise = [Float](repeating: 0, count: side * side)
            noise.withUnsafeMutableBufferPointer { philox.fillNormals($0.baseAddress!, count: side * side, stream: stream | 1 << 63) }
            for y in 0..<side {
                for x in 0..<side {
                    let on: Bool
                    switch label {
                    case 0: on = (y + phase) % 4 < 2
                    case 1: on = (x + phase) % 4 < 2
                    case 2: on = abs(x - y - phase + 2) <= 1
                    default: on = (2...5).contains(x) && (2...5).contains(y) && !((3...4).contains(x) && (3...4).contains(y))
                    }
                    images.data[(n * side + y) * side + x] = (on ? contrast : -contrast) + 0.3 * noise[y * side + x]
                }
            }
        }
        return (images, labels)
    }

    /// Adam (test-only): m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g^2, p -= lr m^ / (sqrt(v^) + 1e-8).
    final class Adam {
        let parameters: [Tensor]
        let rate: Float
        var m: [[Float]], v: [[Float]]
        var step = 0

        init(_ parameters: [Tensor], rate: Float) {
            self.parameters = parameters
            self.rate = rate
            m = parameters.map { [Float](repeating: 0, count: $0.count) }
            v = m
        }

        func update() {
            step += 1
            let c1 = 1 - pow(0.9, Float(step)), c2 = 1 - pow(0.999, Float(step))
            for (k, p) in parameters.enumerated() {
                let g = p.gradBuffer()
                for i in 0..<p.count {
                    m[k][i] = 0.9 * m[k][i] + 0.1 * g[i]
                    v[k][i] = 0.999 * v[k][i] + 0.001 * g[i] * g[i]
                    p.data[i] -= rate * (m[k][i] / c1) / ((v[k][i] / c2).squareRoot() + 1e-8)
                }
                p.zeroGrad()
            }
        }
    }

    /// Trains `model` for `steps` and returns (the first loss, the mean loss of the last 10 steps).
    func train(_ store: ParameterStore, steps: Int, _ model: (Tensor) -> Tensor) -> (Float, Float) {
        let adam = Adam(store.parameters, rate: 1e-2)
        var losses: [Float] = []
        for step in 0..<steps {
            let (images, labels) = Self.batch(size: 32, step: UInt64(step))
            let loss = crossEntropyWithLogits(model(images), labels: labels)
            loss.backward()
            adam.update()
            losses.append(loss.scalar)
        }
        return (losses[0], losses.suffix(10).reduce(0, +) / 10)
    }

    @Test func mlpLearnsPatterns() throws {
        let store = ParameterStore(seed: 1)
        let hidden = try Linear(store, "fc1", inFeatures: 64, outFeatures: 32)
        let norm = try LayerNorm(store, "ln", features: 32)
        let output = try Linear(store, "fc2", inFeatures: 32, outFeatures: Self.classes)
        let (start, end) = train(store, steps: 200) { x in output(gelu(norm(hidden(flatten(x))))) }
        #expect(start > 1.2)
        #expect(end < 0.2 * start, "loss \(start) -> \(end)")
    }

    @Test func cnnLearnsPatterns() throws {
        let store = ParameterStore(seed: 2)
        let conv1 = try Conv2d(store, "conv1", inChannels: 1, outChannels: 6, kernel: 3)
        let norm = try GroupNorm(store, "norm", groups: 3, channels: 6)
        let conv2 = try Conv2d(store, "conv2", inChannels: 6, outChannels: 8, kernel: 3, stride: 2)
        let output = try Linear(store, "fc", inFeatures: 8 * 2 * 2, outFeatures: Self.classes)
        let (start, end) = train(store, steps: 200) { x in
            let h = avgPool2x2(silu(norm(conv1(x))))  // (B, 6, 4, 4)
            return output(flatten(silu(conv2(h))))     // (B, 8, 2, 2) -> (B, 4)
        }
        #expect(start > 1.2)
        #expect(end < 0.2 * start, "loss \(start) -> \(end)")
    }
}
