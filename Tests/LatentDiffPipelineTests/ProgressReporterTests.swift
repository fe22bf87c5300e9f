import Testing
@testable import LatentDiffPipeline

@Suite struct ProgressReporterTests {
    @Test func resumedRunCountsOnlyItsOwnSteps() {
        // 1,500 of 31,000 steps were done before; 60 more in 10 s: 6 steps/s, 768 latents/s at 128 per step.
        let progress = ProgressReporter(title: "train", total: 31_000, unit: "latents", startDone: 1_500)
        let (fraction, rate, remaining) = progress.estimate(done: 1_560, seconds: 10, rateUnits: 128)
        #expect(abs(fraction - 1_560.0 / 31_000) < 1e-12)
        #expect(abs(rate - 768) < 1e-9)
        #expect(abs(remaining - (31_000.0 - 1_560) / 6) < 1e-9)
    }

    @Test func freshRunAndUnknownTotals() {
        let fresh = ProgressReporter(title: "t", total: 100, unit: "steps")
        #expect(fresh.estimate(done: 25, seconds: 5).remaining == 15)
        #expect(fresh.estimate(done: 0, seconds: 5).remaining == .infinity)
        #expect(fresh.estimate(done: 150, seconds: 5).fraction == 1)
        let timed = ProgressReporter(title: "t", total: 0, unit: "steps", budgetSeconds: 60)
        let (fraction, _, remaining) = timed.estimate(done: 7, seconds: 15)
        #expect(fraction == 0.25 && remaining == 45)
        #expect(ProgressReporter(title: "t", total: 0, unit: "steps").estimate(done: 3, seconds: 1).remaining == .infinity)
    }
}
