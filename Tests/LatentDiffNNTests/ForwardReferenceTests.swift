#if canImport(Glibc)
import Glibc
#endif
import LatentDiffKernels
import Testing
@testable import LatentDiffNN

/// Forward values against plain loops in Double.
@Suite struct ForwardReferenceTests {
    func expectClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-4,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= tolerance, "worst difference \(worst)", sourceLocation: sourceLocation)
    }

    /// y[b, o, oy, ox] = bias[o] + sum_{c, i, j} w[o, c, i, j] x[b, c, oy s - p + i, ox s - p + j]
    func naiveConv(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride: Int, padding: Int) -> [Double] {
        let (batch, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, k) = (w.shape[0], w.shape[2])
        let oh = (h + 2 * padding - k) / stride + 1, ow = (wd + 2 * padding - k) / stride + 1
        var y = [Double](repeating: 0, count: batch * cout * oh * ow)
        for b in 0..<batch { for o in 0..<cout { for oy in 0..<oh { for ox in 0..<ow {
            var total = Double(bias?.data[o] ?? 0)
            for c in 0..<cin { for i in 0..<k { for j in 0..<k {
                let iy = oy * stride - padding + i, ix = ox * stride - padding + j
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                total += Double(w.data[((o * cin + c) * k + i) * k + j]) * Double(x.data[((b * cin + c) * h + iy) * wd + ix])
            } } }
            y[((b * cout + o) * oh + oy) * ow + ox] = total
        } } } }
        return y
    }

    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (3, 1, 0)])
    func conv2dMatchesNaiveLoops(kernel: Int, stride: Int, padding: Int) {
        let x = seededTensor([3, 3, 7, 7], seed: 1), w = seededTensor([5, 3, kernel, kernel], seed: 2)
        let b = seededTensor([5], seed: 3)
        let y = conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        let oh = (7 + 2 * padding - kernel) / stride + 1
        #expect(y.shape == [3, 5, oh, oh])
        expectClose(y.values, naiveConv(x, w, b, stride: stride, padding: padding))
        // Without gradients (inference), the fixed-order product.
        let inference = conv2d(x.detached(), weight: w.detached(), bias: b.detached(), stride: stride, padding: padding)
        expectClose(inference.values, naiveConv(x, w, b, stride: stride, padding: padding))
    }

    /// The weight gradient over a batch of 3 x 1600 output positions, which stride 1 sums in 3
    /// parts of at most 4096 positions (stride 2: one part of 3 x 400), against plain loops:
    /// dW[o, c, i, j] = sum over b, oy, ox of dy[b, o, oy, ox] x[b, c, oy s - p + i, ox s - p + j].
    @Test(arguments: [1, 2])
    func conv2dWeightGradientOverSeveralPartsMatchesNaiveLoops(stride: Int) {
        let (batch, cin, side, cout, k, padding) = (3, 2, 40, 3, 3, 1)
        let x = seededTensor([batch, cin, side, side], seed: 7, requiresGrad: false), w = seededTensor([cout, cin, k, k], seed: 8)
        let y = conv2d(x, weight: w, stride: stride, padding: padding)
        let dy = seededTensor(y.shape, seed: 9, requiresGrad: false).values
        y.backward(seed: dy)
        let outSide = y.shape[2]
        var expected = [Double](repeating: 0, count: w.count)
        for b in 0..<batch { for o in 0..<cout { for oy in 0..<outSide { for ox in 0..<outSide {
            let g = Double(dy[((b * cout + o) * outSide + oy) * outSide + ox])
            for c in 0..<cin { for i in 0..<k { for j in 0..<k {
                let iy = oy * stride - padding + i, ix = ox * stride - padding + j
                guard iy >= 0, iy < side, ix >= 0, ix < side else { continue }
                expected[((o * cin + c) * k + i) * k + j] += g * Double(x.data[((b * cin + c) * side + iy) * side + ix])
            } } }
        } } } }
        expectClose(w.gradValues ?? [], expected, tolerance: 2e-3)
    }

    /// Inference: an image's output bits are the same alone as in a batch, split into chunks or not.
    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0)])
    func conv2dImageAloneEqualsImageInABatch(kernel: Int, stride: Int, padding: Int) {
        let x = seededTensor([5, 3, 9, 9], seed: 4, requiresGrad: false)
        let w = seededTensor([7, 3, kernel, kernel], seed: 5, requiresGrad: false)
        let b = seededTensor([7], seed: 6, requiresGrad: false)
        let whole = conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        let chunked = conv2d(x, weight: w, bias: b, stride: stride, padding: padding, columnBudget: 2 * 27 * 81)
        #expect(chunked.values == whole.values)
        let perImage = whole.count / 5
        for k in [0, 3] {
            let image = Tensor(shape: [1, 3, 9, 9], values: Array(x.values[(k * 243)..<((k + 1) * 243)]))
            let alone = conv2d(image, weight: w, bias: b, stride: stride, padding: padding)
            #expect(alone.values == Array(whole.values[(k * perImage)..<((k + 1) * perImage)]), "image \(k)")
        }
    }

    /// No channels: nothing to normalize, forward or backward (and no trap on the empty maps).
    @Test func groupNormOfNoChannels() {
        let x = Tensor(zeros: [2, 0, 3, 3], requiresGrad: true)
        let (gamma, beta) = (Tensor(zeros: [0], requiresGrad: true), Tensor(zeros: [0], requiresGrad: true))
        for silu in [false, true] {
            let y = groupNorm(x, groups: 1, gamma: gamma, beta: beta, silu: silu)
            #expect(y.shape == [2, 0, 3, 3])
            sum(y).backward()
        }
    }

    @Test func groupNormMatchesNaiveLoops() {
        let x = seededTensor([3, 6, 7, 7], seed: 1, scale: 3)
        let gamma = seededTensor([6], seed: 2), beta = seededTensor([6], seed: 3)
        let y = groupNorm(x, groups: 3, gamma: gamma, beta: beta, epsilon: 1e-5)
        var expected = [Double](repeating: 0, count: x.count)
        let groupSize = 2 * 49
        for bg in 0..<(3 * 3) {
            let values = (0..<groupSize).map { Double(x.data[bg * groupSize + $0]) }
            let m = values.reduce(0, +) / Double(groupSize)
            let v = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(groupSize)
            for i in 0..<groupSize {
                let c = (bg % 3) * 2 + i / 49
                expected[bg * groupSize + i] = (values[i] - m) / (v + 1e-5).squareRoot() * Double(gamma.data[c]) + Double(beta.data[c])
            }
        }
        expectClose(y.values, expected)
    }

    @Test func softmaxMatchesNaiveLoops() {
        let x = seededTensor([3, 5, 7], seed: 1, scale: 10)
        var expected: [Double] = []
        for r in 0..<15 {
            let row = (0..<7).map { exp(Double(x.data[r * 7 + $0])) }
            let total = row.reduce(0, +)
            expected += row.map { $0 / total }
        }
        expectClose(softmax(x).values, expected, tolerance: 1e-6)
    }

    @Test func attentionMatchesNaiveLoops() {
        let (batch, channels, side, heads) = (3, 6, 7, 2)
        let t = side * side, d = channels / heads
        let x = seededTensor([batch, channels, side, side], seed: 1)
        let qkvW = seededTensor([3 * channels, channels, 1, 1], seed: 2), qkvB = seededTensor([3 * channels], seed: 3)
        let outW = seededTensor([channels, channels, 1, 1], seed: 4), outB = seededTensor([channels], seed: 5)
        let y = spatialSelfAttention(x, qkvWeight: qkvW, qkvBias: qkvB, outputWeight: outW, outputBias: outB, heads: heads)
        let qkv = naiveConv(x, qkvW, qkvB, stride: 1, padding: 0)  // (B, 3C, T)
        var mixed = [Double](repeating: 0, count: batch * channels * t)  // (B, C, T)
        for b in 0..<batch {
            for h in 0..<heads {
                // channel e of head h in part p (q 0, k 1, v 2) at position i
                func value(_ p: Int, _ e: Int, _ i: Int) -> Double { qkv[((b * 3 + p) * channels + h * d + e) * t + i] }
                for i in 0..<t {
                    let scores = (0..<t).map { j in (0..<d).reduce(0.0) { $0 + value(0, $1, i) * value(1, $1, j) } / Double(d).squareRoot() }
                    let top = scores.max() ?? 0
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for e in 0..<d {
                        mixed[(b * channels + h * d + e) * t + i] = (0..<t).reduce(0.0) { $0 + weights[$1] / total * value(2, e, $1) }
                    }
                }
            }
        }
        let mixedTensor = Tensor(shape: [batch, channels, side, side], values: mixed.map(Float.init))
        expectClose(y.values, naiveConv(mixedTensor, outW, outB, stride: 1, padding: 0))
    }

    @Test func poolAndUpsampleRoundTripShapes() {
        let x = seededTensor([3, 2, 7, 7], seed: 1)
        let pooled = avgPool2x2(x)
        #expect(pooled.shape == [3, 2, 4, 4])
        // The edge window of a 7-wide map holds one column: its average is that value.
        #expect(abs(pooled.data[3] - (x.data[6] + x.data[13]) / 2) < 1e-6)
        #expect(abs(pooled.data[15] - x.data[48]) < 1e-6)
        let back = upsampleNearest(pooled, height: 7, width: 7)
        #expect(back.shape == [3, 2, 7, 7])
        #expect(back.data[6 * 7 + 6] == pooled.data[15])
        #expect(back.data[1 * 7 + 1] == pooled.data[0])
    }

    @Test func timestepEmbeddingValues() {
        let y = timestepEmbedding([0, 1, 500], dim: 4)
        #expect(y.shape == [3, 4])
        let expected: [Double] = [1, 1, 0, 0, cos(1), cos(0.01), sin(1), sin(0.01), cos(500), cos(5), sin(500), sin(5)]
        expectClose(y.values, expected, tolerance: 1e-6)
        #expect(!y.requiresGrad)
    }

    @Test func dropoutIsReproducible() {
        let x = Tensor(shape: [4000], repeating: 1)
        let a = dropout(x, probability: 0.25, seed: 5, stream: 9, training: true)
        let b = dropout(x, probability: 0.25, seed: 5, stream: 9, training: true)
        let c = dropout(x, probability: 0.25, seed: 5, stream: 10, training: true)
        #expect(a.values == b.values)
        #expect(a.values != c.values)
        let dropped = a.values.filter { $0 == 0 }.count
        #expect(abs(Double(dropped) / 4000 - 0.25) < 0.03)
        #expect(a.values.allSatisfy { $0 == 0 || abs($0 - 4 / 3) < 1e-6 })
        #expect(dropout(x, probability: 0.25, seed: 5, stream: 9, training: false) === x)
    }

    @Test func lossesMatchFormulas() {
        let logits = Tensor(shape: [2, 3], values: [1, 2, 3, 0, 0, -50])
        let ce = crossEntropyWithLogits(logits, labels: [2, 2])
        let lse0 = log(exp(1.0) + exp(2.0) + exp(3.0)), lse1 = log(2 + exp(-50.0))
        #expect(abs(Double(ce.scalar) - ((lse0 - 3) + (lse1 + 50)) / 2) < 1e-4)
        let bce = binaryCrossEntropyWithLogits(Tensor(shape: [2], values: [0, 30]), Tensor(shape: [2], values: [1, 0]))
        #expect(abs(Double(bce.scalar) - (log(2.0) + 30) / 2) < 1e-4)
        let kl = gaussianKLDivergence(mean: Tensor(shape: [2, 1], values: [1, 0]), logVariance: Tensor(shape: [2, 1], values: [0, 1]))
        #expect(abs(Double(kl.scalar) - (0.5 + 0.5 * (exp(1.0) - 2)) / 2) < 1e-5)
        #expect(abs(mseLoss(Tensor(shape: [2], values: [1, 3]), Tensor(shape: [2], values: [0, 0])).scalar - 5) < 1e-6)
        #expect(mean(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), axes: [1]).values == [2, 5])
    }
}
