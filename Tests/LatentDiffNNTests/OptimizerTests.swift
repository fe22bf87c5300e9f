import Testing
@testable import LatentDiffNN

@Suite struct OptimizerTests {
    /// Adam's first step moves each parameter by lr * sign(g) (bias correction makes m/sqrt(v) = +-1).
    @Test func adamWFirstStepIsLearningRateTimesSign() {
        let p = Tensor(shape: [3], values: [1, -2, 3], requiresGrad: true)
        let g = p.gradBuffer()
        g[0] = 0.5; g[1] = -4; g[2] = 0
        let adam = AdamW(parameters: [p], epsilon: 1e-12)
        adam.update(learningRate: 0.1)
        #expect(abs(p.values[0] - 0.9) < 1e-6)
        #expect(abs(p.values[1] - -1.9) < 1e-6)
        #expect(p.values[2] == 3, "a zero gradient leaves the parameter alone")
    }

    @Test func decoupledWeightDecayShrinksWithoutGradient() {
        let p = Tensor(shape: [1], values: [2], requiresGrad: true)
        _ = p.gradBuffer()  // zero gradient
        let adam = AdamW(parameters: [p], weightDecay: 0.5)
        adam.update(learningRate: 0.1)
        #expect(abs(p.values[0] - 2 * (1 - 0.05)) < 1e-6)
    }

    @Test func adamWMinimizesAQuadratic() {
        // f(p) = sum (p - target)^2, gradient 2 (p - target).
        let target: [Float] = [3, -1, 0.5]
        let p = Tensor(shape: [3], values: [0, 0, 0], requiresGrad: true)
        let adam = AdamW(parameters: [p])
        for _ in 0..<2000 {
            let g = p.gradBuffer()
            for i in 0..<3 { g[i] = 2 * (p.data[i] - target[i]) }
            adam.update(learningRate: 0.01)
            adam.zeroGrad()
        }
        for i in 0..<3 { #expect(abs(p.values[i] - target[i]) < 1e-2) }
    }

    @Test func clippingBoundsTheGlobalNorm() {
        let a = Tensor(zeros: [2], requiresGrad: true), b = Tensor(zeros: [1], requiresGrad: true)
        a.gradBuffer()[0] = 3; a.gradBuffer()[1] = 0; b.gradBuffer()[0] = 4
        #expect(clipGradients([a, b], maxNorm: 1) == 5)
        #expect(abs(gradientNorm([a, b]) - 1) < 1e-6)
        #expect(abs(a.gradValues![0] - 0.6) < 1e-6 && abs(b.gradValues![0] - 0.8) < 1e-6)
        #expect(clipGradients([a, b], maxNorm: 10) < 1.0001, "below the bound nothing changes")
    }

    @Test func warmupThenCosine() {
        let schedule = WarmupCosineSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, floor: 0.1)
        #expect(abs(schedule.learningRate(at: 0) - 0.1) < 1e-6)
        #expect(abs(schedule.learningRate(at: 9) - 1) < 1e-6)
        #expect(abs(schedule.learningRate(at: 10) - 1) < 1e-6)
        #expect(abs(schedule.learningRate(at: 60) - 0.55) < 1e-6)
        #expect(abs(schedule.learningRate(at: 110) - 0.1) < 1e-6)
        #expect(abs(schedule.learningRate(at: 500) - 0.1) < 1e-6)
    }

    @Test func emaFollowsTheParameters() {
        let p = Tensor(shape: [1], values: [0], requiresGrad: true)
        let ema = ExponentialMovingAverage(parameters: [p], decay: 0.5)
        p.data[0] = 1
        ema.update()  // d = min(0.5, 1/10) = 0.1
        #expect(abs(ema.shadows[0].values[0] - 0.9) < 1e-6)
        ema.update()  // d = min(0.5, 2/11)
        #expect(abs(ema.shadows[0].values[0] - (2.0 / 11 * 0.9 + 9.0 / 11)) < 1e-6)
        #expect(ema.shadows[0].requiresGrad == false)
    }
}
