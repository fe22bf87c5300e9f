import Testing
@testable import LatentDiffNN

/// A gradient check for every op and every input of it, on odd shapes (batch 3, 7x7 maps).
@Suite struct OpGradientTests {
    let check = GradientCheck()

    /// Expects no mismatch, reporting the first few.
    func expectGradients(_ inputs: [Tensor], check: GradientCheck? = nil, _ f: () -> Tensor,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        let failures = (check ?? self.check).mismatches(inputs, f)
        #expect(failures.isEmpty, "\(failures.count) mismatches: \(failures.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test func checkerCatchesAWrongGradient() {
        // y = 2x with a backward that claims dy/dx = 2.1: the checker must object.
        let x = seededTensor([3, 5], seed: 1)
        let failures = check.mismatches([x]) {
            Tensor.make(shape: x.shape, inputs: [x]) { y in
                for i in 0..<x.count { y[i] = 2 * x.data[i] }
            } backward: { y in
                let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
                for i in 0..<x.count { dx[i] += 2.1 * dy[i] }
            }
        }
        #expect(failures.count == x.count)
        // And a gradient that forgets one input entirely.
        let a = seededTensor([4], seed: 2), b = seededTensor([4], seed: 3)
        let missing = check.mismatches([a, b]) {
            Tensor.make(shape: [4], inputs: [a, b]) { y in
                for i in 0..<4 { y[i] = a.data[i] * b.data[i] }
            } backward: { y in
                let (dy, da) = (y.gradBuffer(), a.gradBuffer())
                for i in 0..<4 { da[i] += dy[i] * b.data[i] }
            }
        }
        #expect(missing.count == 4)
    }

    @Test func linear() {
        let x = seededTensor([3, 5], seed: 1), w = seededTensor([7, 5], seed: 2), b = seededTensor([7], seed: 3)
        expectGradients([x, w, b]) { LatentDiffNN.linear(x, weight: w, bias: b) }
        let x3 = seededTensor([3, 2, 5], seed: 4)
        expectGradients([x3, w]) { LatentDiffNN.linear(x3, weight: w) }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmul(transposeA: Bool, transposeB: Bool) {
        // op(A) (3, 4, 5), op(B) (3, 5, 2)
        let a = seededTensor(transposeA ? [3, 5, 4] : [3, 4, 5], seed: 1)
        let b = seededTensor(transposeB ? [3, 2, 5] : [3, 5, 2], seed: 2)
        expectGradients([a, b]) {
            LatentDiffNN.matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 0.7)
        }
    }

    @Test(arguments: [(3, 1, 1, true), (3, 2, 1, false), (1, 1, 0, true), (3, 1, 0, true), (3, 2, 0, true)])
    func conv2d(kernel: Int, stride: Int, padding: Int, bias: Bool) {
        let x = seededTensor([3, 3, 7, 7], seed: 1)
        let w = seededTensor([5, 3, kernel, kernel], seed: 2, scale: 0.5)
        let b = seededTensor([5], seed: 3)
        expectGradients(bias ? [x, w, b] : [x, w]) {
            LatentDiffNN.conv2d(x, weight: w, bias: bias ? b : nil, stride: stride, padding: padding)
        }
    }

    @Test func conv2dWithSeveralPanelsOfOutputChannels() {
        // 18 output channels: two 16-channel panels of the weight gradient's kernel, the second partial.
        let x = seededTensor([2, 3, 5, 6], seed: 1), w = seededTensor([18, 3, 3, 3], seed: 2, scale: 0.5)
        let b = seededTensor([18], seed: 3)
        expectGradients([x, w, b]) { LatentDiffNN.conv2d(x, weight: w, bias: b, stride: 1, padding: 1) }
    }

    @Test func conv2dOverSeveralBatchChunks() {
        // A column budget of under two images splits the batch of 3 into 3 im2col + sgemm rounds.
        let x = seededTensor([3, 2, 7, 7], seed: 1), w = seededTensor([2, 2, 3, 3], seed: 2), b = seededTensor([2], seed: 3)
        let budget = 2 * 9 * 49 + 1
        expectGradients([x, w, b]) {
            LatentDiffNN.conv2d(x, weight: w, bias: b, stride: 1, padding: 1, columnBudget: budget)
        }
        let whole = LatentDiffNN.conv2d(x, weight: w, bias: b, padding: 1)
        let chunked = LatentDiffNN.conv2d(x, weight: w, bias: b, stride: 1, padding: 1, columnBudget: budget)
        #expect(zip(whole.values, chunked.values).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test func upsampleNearest() {
        let x = seededTensor([3, 3, 4, 4], seed: 1)
        expectGradients([x]) { LatentDiffNN.upsampleNearest(x, height: 7, width: 7) }
        let y = seededTensor([3, 3, 7, 5], seed: 2)
        expectGradients([y]) { LatentDiffNN.upsampleNearest(y, height: 14, width: 3) }
    }

    @Test func avgPool2x2() {
        let x = seededTensor([3, 3, 7, 7], seed: 1)
        expectGradients([x]) { LatentDiffNN.avgPool2x2(x) }
    }

    @Test func groupNorm() {
        let x = seededTensor([3, 6, 7, 7], seed: 1, scale: 2)
        let gamma = seededTensor([6], seed: 2), beta = seededTensor([6], seed: 3)
        let careful = GradientCheck(epsilon: 3e-3, relative: 2e-2, absolute: 3e-3)
        expectGradients([x, gamma, beta], check: careful) { LatentDiffNN.groupNorm(x, groups: 3, gamma: gamma, beta: beta) }
        let flat = seededTensor([3, 9], seed: 4)
        let g9 = seededTensor([9], seed: 5), b9 = seededTensor([9], seed: 6)
        expectGradients([flat, g9, b9], check: careful) { LatentDiffNN.groupNorm(flat, groups: 3, gamma: g9, beta: b9) }
    }

    @Test func groupNormSiLU() {
        let x = seededTensor([3, 6, 7, 7], seed: 1, scale: 2)
        let gamma = seededTensor([6], seed: 2), beta = seededTensor([6], seed: 3)
        let careful = GradientCheck(epsilon: 3e-3, relative: 2e-2, absolute: 3e-3)
        expectGradients([x, gamma, beta], check: careful) {
            LatentDiffNN.groupNorm(x, groups: 3, gamma: gamma, beta: beta, silu: true)
        }
        // The fused op is silu(groupNorm(x)), bit for bit, forward and backward.
        func run(_ f: () -> Tensor) -> [[Float]] {
            for t in [x, gamma, beta] { t.zeroGrad() }
            let y = f()
            mean(multiply(y, y)).backward()
            return [y.values] + [x, gamma, beta].map { $0.gradValues ?? [] }
        }
        let fused = run { LatentDiffNN.groupNorm(x, groups: 3, gamma: gamma, beta: beta, silu: true) }
        let separate = run { silu(LatentDiffNN.groupNorm(x, groups: 3, gamma: gamma, beta: beta)) }
        #expect(fused == separate)
    }

    @Test func layerNorm() {
        let x = seededTensor([3, 4, 7], seed: 1, scale: 2)
        let gamma = seededTensor([7], seed: 2), beta = seededTensor([7], seed: 3)
        expectGradients([x, gamma, beta], check: GradientCheck(epsilon: 3e-3, relative: 2e-2, absolute: 3e-3)) {
            LatentDiffNN.layerNorm(x, gamma: gamma, beta: beta)
        }
    }

    @Test func activations() {
        let x = seededTensor([3, 5, 7], seed: 1, scale: 4)
        expectGradients([x]) { silu(x) }
        expectGradients([x]) { gelu(x) }
        expectGradients([x]) { sigmoid(x) }
        expectGradients([x]) { LatentDiffNN.tanh(x) }
        expectGradients([x]) { softplus(x) }
    }

    @Test func leakyReLUAndReLU() {
        // Kinks at 0: keep every value at least 2 epsilon away from it.
        let x = seededTensor([3, 5, 7], seed: 1, scale: 4)
        for i in 0..<x.count where abs(x.data[i]) < 0.05 { x.data[i] = x.data[i] < 0 ? -0.05 : 0.05 }
        expectGradients([x]) { leakyReLU(x) }
        expectGradients([x]) { leakyReLU(x, slope: -0.5) }
        expectGradients([x]) { relu(x) }
        let y = Tensor(shape: [4], values: [-2, -0.5, 0.5, 3])
        #expect(leakyReLU(y).values == [-0.4, -0.1, 0.5, 3])
        #expect(relu(y).values == [0, 0, 0.5, 3])
    }

    @Test func softmax() {
        let x = seededTensor([3, 5, 7], seed: 1, scale: 3)
        expectGradients([x]) { LatentDiffNN.softmax(x) }
    }

    @Test func spatialSelfAttention() {
        let x = seededTensor([3, 6, 7, 7], seed: 1)
        let qkvW = seededTensor([18, 6, 1, 1], seed: 2, scale: 0.5), qkvB = seededTensor([18], seed: 3, scale: 0.5)
        let outW = seededTensor([6, 6, 1, 1], seed: 4, scale: 0.5), outB = seededTensor([6], seed: 5)
        expectGradients([x, qkvW, qkvB, outW, outB], check: GradientCheck(epsilon: 3e-3, relative: 2e-2, absolute: 3e-3)) {
            LatentDiffNN.spatialSelfAttention(x, qkvWeight: qkvW, qkvBias: qkvB, outputWeight: outW, outputBias: outB, heads: 2)
        }
    }

    @Test func arithmetic() {
        let a = seededTensor([3, 5, 7], seed: 1), b = seededTensor([3, 5, 7], seed: 2)
        expectGradients([a, b]) { add(a, b) }
        expectGradients([a, b]) { subtract(a, b) }
        expectGradients([a, b]) { multiply(a, b) }
        expectGradients([a]) { multiply(a, a) }
        expectGradients([a]) { multiply(a, -1.5) }
        expectGradients([a]) { add(a, 0.25) }
    }

    @Test func addChannelwise() {
        let x = seededTensor([3, 5, 7, 7], seed: 1)
        let perChannel = seededTensor([5], seed: 2), perSample = seededTensor([3, 5], seed: 3)
        expectGradients([x, perChannel]) { LatentDiffNN.addChannelwise(x, perChannel) }
        expectGradients([x, perSample]) { LatentDiffNN.addChannelwise(x, perSample) }
    }

    @Test func concatAndSliceChannels() {
        let a = seededTensor([3, 2, 7, 7], seed: 1), b = seededTensor([3, 3, 7, 7], seed: 2)
        let c = seededTensor([3, 1, 7, 7], seed: 3)
        expectGradients([a, b, c]) { concatChannels([a, b, c]) }
        expectGradients([b]) { sliceChannels(b, start: 1, count: 2) }
    }

    @Test func reshapeAndFlatten() {
        let x = seededTensor([3, 5, 7], seed: 1)
        expectGradients([x]) { multiply(reshape(x, [5, -1]), reshape(x, [5, 21])) }
        expectGradients([x]) { flatten(x) }
        #expect(flatten(x).shape == [3, 35])
    }

    @Test func embedding() {
        let table = seededTensor([5, 7], seed: 1)
        expectGradients([table]) { LatentDiffNN.embedding([4, 0, 4, 2], table: table) }
    }

    @Test func dropout() {
        let x = seededTensor([3, 5, 7], seed: 1)
        expectGradients([x]) { LatentDiffNN.dropout(x, probability: 0.3, seed: 7, stream: 11, training: true) }
    }

    @Test func reductions() {
        let x = seededTensor([3, 4, 5, 2], seed: 1)
        expectGradients([x]) { sum(x) }
        expectGradients([x]) { mean(x) }
        expectGradients([x]) { mean(x, axes: [1, 3]) }
        expectGradients([x]) { mean(x, axes: [0]) }
    }

    @Test func losses() {
        let p = seededTensor([3, 5, 7], seed: 1), t = seededTensor([3, 5, 7], seed: 2)
        expectGradients([p, t]) { mseLoss(p, t) }
        expectGradients([p, t]) { mseLoss(p, t, rowWeights: [0.5, 2, 0.1]) }
        // Row weights: w_b times the row's squared error, over all elements.
        let weighted = mseLoss(p, t, rowWeights: [0.5, 2, 0]).values[0]
        let (pv, tv) = (p.values, t.values)
        let rowWeight: [Double] = [0.5, 2, 0]
        var total = 0.0
        for i in 0..<105 {
            let difference = Double(pv[i] - tv[i])
            total += rowWeight[i / 35] * difference * difference
        }
        let expected = total / 105
        #expect(abs(Double(weighted) - expected) < 1e-6 * expected)
        let probabilities = seededTensor([3, 5, 7], seed: 3, scale: 0.5)
        let targets = add(probabilities, 0.5).detached()
        let targetsGrad = Tensor(shape: targets.shape, values: targets.values, requiresGrad: true)
        expectGradients([p, targetsGrad]) { binaryCrossEntropyWithLogits(multiply(p, 3), targetsGrad) }
        let logits = seededTensor([3, 7], seed: 4, scale: 3)
        expectGradients([logits]) { crossEntropyWithLogits(logits, labels: [6, 0, 3]) }
    }

    @Test func gaussianLatent() {
        let mu = seededTensor([3, 5], seed: 1), logvar = seededTensor([3, 5], seed: 2), eps = seededTensor([3, 5], seed: 3)
        expectGradients([mu, logvar]) { gaussianKLDivergence(mean: mu, logVariance: logvar) }
        expectGradients([mu, logvar, eps]) { reparameterize(mean: mu, logVariance: logvar, noise: eps) }
    }
}
