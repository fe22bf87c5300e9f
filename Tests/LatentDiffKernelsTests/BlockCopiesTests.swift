import CFixedOrderGEMM
import Testing
@testable import LatentDiffKernels

/// The copies the products read, on every kernel path: zero-bordered planes and weight panels
/// (whose whole 16 x 16 blocks are register transposes on AVX2 and AVX-512).
@Suite struct BlockCopiesTests {
    @Test(arguments: [(3, 7, 7, 1), (2, 4, 4, 2), (4, 14, 14, 1), (2, 15, 15, 1), (3, 5, 3, 0), (2, 1, 1, 3),
                      (2, 6, 10, 3), (1, 32, 32, 1)])
    func padBordersEveryPlaneWithZeros(planes: Int, h: Int, w: Int, p: Int) {
        let (height, width) = (h + 2 * p, w + 2 * p)
        let x = seededValues(planes * h * w, seed: 3)
        var expected = [Float](repeating: 0, count: planes * height * width)
        for q in 0..<planes {
            for y in 0..<h {
                for c in 0..<w { expected[(q * height + y + p) * width + c + p] = x[(q * h + y) * w + c] }
            }
        }
        KernelPath.forEachSupported { path in
            // Sentinels on both sides: nothing outside the padded planes is written.
            var padded = [Float](repeating: .nan, count: planes * height * width + 32)
            padded.withUnsafeMutableBufferPointer { buffer in
                fixed_order_pad(x, buffer.baseAddress! + 16, planes, h, w, p)
            }
            #expect(Array(padded[16..<(16 + expected.count)]) == expected, "\(path)")
            #expect(padded.prefix(16).allSatisfy(\.isNaN) && padded.suffix(16).allSatisfy(\.isNaN), "\(path)")
        }
    }

    @Test(arguments: [(16, 16), (48, 432), (20, 37), (32, 9), (96, 864), (5, 3)])
    func weightPanelsHoldTheTransposedRows(outChannels: Int, rows: Int) {
        let w = seededValues(outChannels * rows, seed: 5)
        let panels = (outChannels + 15) / 16
        var expected = [Float](repeating: 0, count: panels * rows * 16)
        for o in 0..<outChannels {
            for r in 0..<rows { expected[(o / 16 * rows + r) * 16 + o % 16] = w[o * rows + r] }
        }
        KernelPath.forEachSupported { path in
            var packed = [Float](repeating: .nan, count: expected.count)
            fixed_order_pack_weight_panels(w, outChannels, rows, &packed)
            #expect(packed == expected, "\(path)")
        }
    }
}
