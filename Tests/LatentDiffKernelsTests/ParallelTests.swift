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
