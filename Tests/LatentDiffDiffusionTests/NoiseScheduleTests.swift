import Foundation
import Testing
@testable import LatentDiffDiffusion

#if canImport(Glibc)
import Glibc
#endif

@Suite struct NoiseScheduleTests {
    @Test func linearMatchesClosedForm() throws {
        let schedule = try NoiseSchedule(kind: .linear, timesteps: 1000)
        // abar_0 = 1 - 1e-4; abar_t = prod (1 - beta_s), beta_s = 1e-4 + (0.02 - 1e-4) s / 999.
        #expect(abs(schedule.alphasCumprod[0] - (1 - 1e-4)) < 1e-12)
        var product = 1.0
        for s in 0..<1000 { product *= 1 - (1e-4 + (0.02 - 1e-4) * Double(s) / 999) }
        #expect(abs(schedule.alphasCumprod[999] - product) < 1e-12)
        #expect(abs(schedule.alphasCumprod[999] - 4.0358e-5) < 1e-8)  // the well-known DDPM value
    }

    @Test func cosineMatchesClosedForm() throws {
        let schedule = try NoiseSchedule(kind: .cosine, timesteps: 1000)
        func f(_ t: Double) -> Double { let a = (t / 1000 + 0.008) / 1.008 * Double.pi / 2; return cos(a) * cos(a) }
        // Unclipped, abar_t = f(t + 1) / f(0).
        for t in [0, 10, 500, 900] {
            #expect(abs(schedule.alphasCumprod[t] - f(Double(t + 1)) / f(0)) < 1e-9, "t = \(t)")
        }
        #expect(schedule.alphasCumprod.last! < 1e-4)
    }

    @Test func scalesAndRespacing() throws {
        let schedule = try NoiseSchedule(kind: .linear, timesteps: 1000)
        let (alpha, sigma) = schedule.scales(at: 400)
        #expect(abs(alpha * alpha + sigma * sigma - 1) < 1e-12)
        #expect(schedule.scales(at: -1) == (1, 0))
        #expect(schedule.samplingTimesteps(steps: 5) == [999, 749, 500, 250, 0])
        #expect(schedule.samplingTimesteps(steps: 1) == [999])
        #expect(schedule.samplingTimesteps(steps: 1000) == Array((0..<1000).reversed()))
        let logSNR = schedule.samplingTimesteps(steps: 20, spacing: .uniformLogSNR)
        #expect(logSNR.first == 999 && logSNR.last == 0 && logSNR.count == 20)
        #expect(zip(logSNR, logSNR.dropFirst()).allSatisfy { $0 > $1 }, "strictly decreasing")
        #expect(schedule.samplingTimesteps(steps: 200, spacing: .uniformLogSNR).count < 200, "repeats merged")
        #expect(schedule.samplingTimesteps(steps: 5, spacing: .trailing) == [999, 799, 599, 399, 199])
        #expect(schedule.samplingTimesteps(steps: 1000, spacing: .trailing) == Array((0..<1000).reversed()))
        for kind in NoiseSchedule.Kind.allCases {
            let other = try NoiseSchedule(kind: kind)
            let karras = other.samplingTimesteps(steps: 21, spacing: .karras)
            #expect(karras.first == 999 && karras.last == 0, "\(kind) \(karras)")
            #expect(zip(karras, karras.dropFirst()).allSatisfy { $0 > $1 }, "\(kind) \(karras) strictly decreasing")
            // The middle level is sigma~ = ((smax^(1/7) + smin^(1/7)) / 2)^7, smax capped at 80.
            let veSigma = { (t: Int) in other.scales(at: t).sigma / other.scales(at: t).alpha }
            let middle = Foundation.pow((Foundation.pow(min(80, veSigma(999)), 1 / 7) + Foundation.pow(veSigma(0), 1 / 7)) / 2, 7)
            #expect(abs(veSigma(karras[10]) / middle - 1) < 0.1, "\(kind) \(karras): \(veSigma(karras[10])) vs \(middle)")
        }
    }

    @Test func rejectsBadTimesteps() {
        #expect(throws: (any Error).self) { try NoiseSchedule(kind: .linear, timesteps: 1) }
    }

    @Test func predictionTargetsInvert() {
        let (alpha, sigma): (Float, Float) = (0.6, 0.8)
        for type in PredictionType.allCases {
            let x0: Float = 0.3, eps: Float = -1.2
            let xt = alpha * x0 + sigma * eps
            let output = type.target(x0: x0, noise: eps, alpha: alpha, sigma: sigma)
            let (x0Back, epsBack) = type.split(xt: xt, output: output, alpha: alpha, sigma: sigma)
            #expect(abs(x0Back - x0) < 1e-6 && abs(epsBack - eps) < 1e-6, "\(type)")
        }
    }
}
