import Dispatch
import Testing
@testable import LatentDiffKernels

@Suite struct ParallelTests {
    @Test func partsCoverEveryItemOnce() {
        for parts in 1...5 {
            for count in [0, 1, 4, 5, 1000] {
                let ranges = (0..<parts).map { Parallel.part($0, of: parts, count: count) }
                #expect(ranges.flatMap { Array($0) } == Array(0..<count))
                #expect(ranges.allSatisfy { $0.count >= count / parts && $0.count <= count / parts + 1 })
            }
        }
    }

    @Test func forEachVisitsEveryItemOnce() {
        // Split over however many threads are set now (the setting is process-wide).
        for count in [0, 1, 5, 1000] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            hits.initialize(repeating: 0, count: max(count, 1))
            Parallel.forEach(count, workPerItem: Parallel.minimumWorkToSplit) { range in
                for i in range { hits[i] += 1 }
            }
            #expect((0..<count).allSatisfy { hits[$0] == 1 })
            hits.deallocate()
        }
    }

    /// Loops from several host threads at once on the worker pool (each loop's parts claimed by its
    /// caller and the workers), some nested: every item is visited exactly once per loop.
    @Test func concurrentLoopsOnTheWorkerPoolVisitEveryItemOnce() {
        let before = Parallel.threadCount
        defer { Parallel.threadCount = before }
        Parallel.threadCount = 2
        let callers = 4, loops = 200, count = 37
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: callers * count)
        hits.initialize(repeating: 0, count: callers * count)
        defer { hits.deallocate() }
        nonisolated(unsafe) let shared = hits
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            let mine = shared + caller * count
            for _ in 0..<loops {
                Parallel.forEach(count, workPerItem: Parallel.minimumWorkToSplit) { range in
                    for i in range {
                        // A nested loop runs on its caller's thread.
                        Parallel.forEach(2, workPerItem: Parallel.minimumWorkToSplit) { inner in
                            if inner.contains(0) { mine[i] += 1 }
                        }
                    }
                }
            }
        }
        #expect((0..<(callers * count)).allSatisfy { hits[$0] == loops })
    }

    @Test func im2colAndCol2imAreAdjoint() {
        // <im2col(x), c> == <x, col2im(c)> for any x, c.
        let g = ConvGeometry(batch: 3, channels: 2, height: 7, width: 5, kernel: 3, stride: 2, padding: 1)
        let x = seededValues(3 * 2 * 7 * 5, seed: 1), c = seededValues(g.columnRows * g.columnCount, seed: 2)
        var cols = [Float](repeating: 0, count: c.count), back = [Float](repeating: 0, count: x.count)
        Im2col.im2col(x, g, &cols)
        Im2col.col2im(c, g, &back)
        let left = zip(cols, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) < 1e-3)
        #expect(g.outHeight == 4 && g.outWidth == 3)
    }

    /// im2col against its definition, at strides 1 (shifted copies) and 2, on non-square images.
    @Test(arguments: [(3, 1, 1), (3, 1, 0), (3, 1, 2), (1, 1, 0), (5, 1, 2), (3, 2, 1), (2, 1, 1)])
    func im2colMatchesItsDefinition(kernel: Int, stride: Int, padding: Int) {
        let g = ConvGeometry(batch: 2, channels: 3, height: 6, width: 5, kernel: kernel, stride: stride, padding: padding)
        let x = seededValues(2 * 3 * 6 * 5, seed: 1)
        var cols = [Float](repeating: .nan, count: g.columnRows * g.columnCount)
        Im2col.im2col(x, g, &cols)
        var expected = [Float](repeating: 0, count: cols.count)
        for c in 0..<3 { for i in 0..<kernel { for j in 0..<kernel {
            for b in 0..<2 { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
                let (iy, ix) = (oy * stride - padding + i, ox * stride - padding + j)
                guard (0..<6).contains(iy), (0..<5).contains(ix) else { continue }
                let column = (b * g.outHeight + oy) * g.outWidth + ox
                expected[((c * kernel + i) * kernel + j) * g.columnCount + column] = x[((b * 3 + c) * 6 + iy) * 5 + ix]
            } } }
        } } }
        #expect(cols == expected)
    }

    /// The panels `BLAS.sgemmFixedOrder` reads hold im2col's matrix, 16 columns to a panel, with
    /// zeros past the last column, on every kernel path: maps narrower and wider than a panel, one
    /// column wide, borders wider than the kernel's reach.
    @Test(arguments: [(3, 1, 6, 5), (3, 0, 6, 5), (5, 2, 6, 5), (1, 0, 6, 5), (3, 1, 20, 18), (2, 1, 4, 4), (3, 1, 7, 7),
                      (3, 1, 3, 2), (1, 0, 9, 17), (3, 1, 5, 1), (3, 2, 4, 3), (5, 2, 2, 7), (3, 1, 1, 1), (3, 1, 8, 33)])
    func panelsHoldTheIm2colMatrix(kernel: Int, padding: Int, height: Int, width: Int) {
        let g = ConvGeometry(batch: 3, channels: 2, height: height, width: width, kernel: kernel, stride: 1, padding: padding)
        let x = seededValues(3 * 2 * height * width, seed: 2)
        var cols = [Float](repeating: .nan, count: g.columnRows * g.columnCount)
        Im2col.im2col(x, g, &cols)
        let panelCount = (g.columnCount + 15) / 16
        var expected = [Float](repeating: 0, count: panelCount * 16 * g.columnRows)
        for r in 0..<g.columnRows {
            for n in 0..<g.columnCount { expected[(n / 16) * 16 * g.columnRows + 16 * r + n % 16] = cols[r * g.columnCount + n] }
        }
        KernelPath.forEachSupported { path in
            x.withUnsafeBufferPointer { x in
                let lowering = PanelLowering(x.baseAddress!, g)
                #expect(lowering.panelCount == panelCount)
                // All the panels at once, and the last two by themselves, into buffers of exactly
                // `packedCount` floats.
                var packed = [Float](repeating: .nan, count: lowering.packedCount(panels: panelCount))
                #expect(packed.count == expected.count)
                lowering.lower(0..<panelCount, into: &packed)
                #expect(packed == expected, "path \(path)")
                let tail = max(0, panelCount - 2) ..< panelCount
                var last = [Float](repeating: .nan, count: lowering.packedCount(panels: tail.count))
                lowering.lower(tail, into: &last)
                #expect(last == Array(expected[(tail.lowerBound * 16 * g.columnRows)...]), "path \(path)")
            }
        }
    }
}

@Suite struct BufferCacheTests {
    @Test func recyclesLargeBuffersWithinCapacity() {
        let count = BufferCache.minimumCount
        let cache = BufferCache(capacityBytes: 4 * count)
        let first = cache.allocate(count)
        cache.release(first, count: count)
        #expect(cache.heldBytes == 4 * count)
        let second = cache.allocate(count)
        #expect(second == first)
        #expect(cache.heldBytes == 0)
        let third = cache.allocate(count)
        cache.release(second, count: count)
        cache.release(third, count: count)  // over capacity: freed, not kept
        #expect(cache.heldBytes == 4 * count)
        let small = cache.allocate(8)
        cache.release(small, count: 8)
        #expect(cache.heldBytes == 4 * count)
        cache.trim()
        #expect(cache.heldBytes == 0)
    }
}
