#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import LatentDiffKernels

@Suite struct FastMathTests {
    @Test func fastExpIsAccurate() {
        var worst = 0.0
        for i in -8700...8800 {
            let x = Float(i) / 100
            worst = max(worst, abs(Double(fastExp(x)) / exp(Double(x)) - 1))
        }
        #expect(worst < 5e-7)
        #expect(fastExp(-.infinity) >= 0 && fastExp(-.infinity) < 1e-37)
        #expect(fastExp(1000).isFinite)
    }

    @Test func sigmoidAndTanhMatchLibm() {
        for i in -2000...2000 {
            let x = Float(i) / 100
            #expect(abs(Double(fastSigmoid(x)) - 1 / (1 + exp(-Double(x)))) < 1e-6)
            #expect(abs(Double(fastTanh(x)) - tanh(Double(x))) < 1e-6)
        }
    }
}
