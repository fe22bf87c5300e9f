import Testing
@testable import LatentDiffKernels

/// The direct convolution (output channels in the panels' lanes) gives the bits of the lowered
/// product: W (O, C k k) times im2col's matrix by the fixed-order kernel, then + bias (or added to
/// the old output), on every kernel path.
@Suite struct DirectConvolutionTests {
    /// y (B, O, Ho, Wo) = fixed-order product of W and im2col(x) (+ bias), or y0 + that.
    private func reference(_ x: [Float], _ g: ConvGeometry, weight: [Float], outChannels: Int, bias: [Float]?,
                           old: [Float]?) -> [Float] {
        var cols = [Float](repeating: 0, count: g.columnRows * g.columnCount)
        Im2col.im2col(x, g, &cols)
        var product = [Float](repeating: 0, count: outChannels * g.columnCount)
        BLAS.sgemm(m: outChannels, n: g.columnCount, k: g.columnRows, a: weight, lda: g.columnRows, b: cols,
                   ldb: g.columnCount, c: &product, ldc: g.columnCount)
        let plane = g.outHeight * g.outWidth
        var y = [Float](repeating: 0, count: g.batch * outChannels * plane)
        for b in 0..<g.batch {
            for o in 0..<outChannels {
                for p in 0..<plane {
                    var value = product[o * g.columnCount + b * plane + p]
                    if let bias { value = value + bias[o] }
                    let at = (b * outChannels + o) * plane + p
                    y[at] = old.map { $0[at] + value } ?? value
                }
            }
        }
        return y
    }

    @Test(arguments: [(3, 1, 7, 7, 16, 1), (3, 1, 4, 4, 48, 1), (1, 0, 5, 3, 32, 1), (3, 2, 3, 5, 16, 1),
                      (5, 2, 6, 6, 32, 1), (3, 1, 8, 8, 48, 1), (3, 0, 9, 4, 16, 1), (3, 1, 7, 7, 32, 2),
                      (3, 1, 8, 8, 16, 2), (3, 0, 9, 6, 16, 2), (4, 1, 9, 9, 16, 3), (1, 0, 6, 5, 32, 2)])
    func matchesTheLoweredProduct(kernel: Int, padding: Int, height: Int, width: Int, outChannels: Int, stride: Int) {
        let g = ConvGeometry(batch: 3, channels: 5, height: height, width: width, kernel: kernel, stride: stride,
                             padding: padding)
        let x = seededValues(3 * 5 * height * width, seed: 7)
        let weight = seededValues(outChannels * g.columnRows, seed: 8), bias = seededValues(outChannels, seed: 9)
        let outCount = 3 * outChannels * g.outHeight * g.outWidth, old = seededValues(outCount, seed: 10)
        KernelPath.forEachSupported { path in
            for (withBias, accumulate) in [(true, false), (false, false), (false, true), (true, true)] {
                let expected = reference(x, g, weight: weight, outChannels: outChannels, bias: withBias ? bias : nil,
                                         old: accumulate ? old : nil)
                var y = accumulate ? old : [Float](repeating: .nan, count: outCount)
                x.withUnsafeBufferPointer { x in
                    bias.withUnsafeBufferPointer { bias in
                        DirectConvolution.run(x.baseAddress!, g, weight: weight, outChannels: outChannels,
                                              bias: withBias ? bias.baseAddress! : nil, accumulate: accumulate, into: &y)
                    }
                }
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern),
                        "path \(path), bias \(withBias), accumulate \(accumulate)")
            }
        }
    }

    /// Batches larger than one part of the zero-bordered budget are cut into parts.
    @Test func partsOfTheBatchGiveTheSameBits() {
        let g = ConvGeometry(batch: 20, channels: 16, height: 20, width: 20, kernel: 3, stride: 1, padding: 1)
        #expect(20 * 16 * 22 * 22 > DirectConvolution.paddedBudget)
        let x = seededValues(20 * 16 * 400, seed: 3), weight = seededValues(16 * g.columnRows, seed: 4)
        let expected = reference(x, g, weight: weight, outChannels: 16, bias: nil, old: nil)
        var y = [Float](repeating: .nan, count: 20 * 16 * 400)
        x.withUnsafeBufferPointer {
            DirectConvolution.run($0.baseAddress!, g, weight: weight, outChannels: 16, bias: nil, accumulate: false,
                                  into: &y)
        }
        #expect(y.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// Parts with at least two images per thread are shared out as whole images (each thread pads
    /// its own), smaller ones by tiles of pixels: the bits do not depend on the threads either way.
    @Test(arguments: [1, 3, 4, 9])
    func threadsAndImageSharesGiveTheSameBits(batch: Int) {
        let g = ConvGeometry(batch: batch, channels: 5, height: 7, width: 7, kernel: 3, stride: 1, padding: 1)
        let x = seededValues(batch * 5 * 49, seed: 11), weight = seededValues(32 * g.columnRows, seed: 12)
        let bias = seededValues(32, seed: 13), old = seededValues(batch * 32 * 49, seed: 14)
        let expected = reference(x, g, weight: weight, outChannels: 32, bias: bias, old: old)
        let before = Parallel.threadCount
        defer { Parallel.threadCount = before }
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            var y = old
            x.withUnsafeBufferPointer { x in
                bias.withUnsafeBufferPointer { bias in
                    DirectConvolution.run(x.baseAddress!, g, weight: weight, outChannels: 32, bias: bias.baseAddress!,
                                          accumulate: true, into: &y)
                }
            }
            #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "batch \(batch), \(threads) threads")
        }
    }

    /// Inside `PackedWeights.reusing`, each weight is packed once and its panels reused: the same
    /// bits as packing per call, on every path and thread count.
    @Test func packedWeightsAreReusedWithTheSameBits() {
        let g = ConvGeometry(batch: 6, channels: 4, height: 5, width: 6, kernel: 3, stride: 1, padding: 1)
        let x = seededValues(6 * 4 * 30, seed: 31)
        let weights = [seededValues(32 * g.columnRows, seed: 32), seededValues(32 * g.columnRows, seed: 33)]
        func convolve(_ weight: UnsafePointer<Float>) -> [UInt32] {
            var y = [Float](repeating: .nan, count: 6 * 32 * 30)
            x.withUnsafeBufferPointer {
                DirectConvolution.run($0.baseAddress!, g, weight: weight, outChannels: 32, bias: nil, accumulate: false, into: &y)
            }
            return y.map(\.bitPattern)
        }
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: 2 * 32 * g.columnRows)
        defer { storage.deallocate() }
        for (k, weight) in weights.enumerated() { (storage + k * 32 * g.columnRows).initialize(from: weight, count: weight.count) }
        let (first, second) = (UnsafePointer(storage), UnsafePointer(storage + 32 * g.columnRows))
        KernelPath.forEachSupported { path in
            let expected = [convolve(first), convolve(second)]
            let cache = PackedWeights()
            PackedWeights.reusing(cache) {
                for _ in 0..<2 {
                    #expect(convolve(first) == expected[0], "\(path)")
                }
                #expect(cache.count == 1, "one weight, packed once")
                #expect(convolve(second) == expected[1], "\(path)")
            }
            #expect(cache.count == 2)
            #expect(PackedWeights.current == nil, "the thread's cache ends with reusing")
        }
    }
}
