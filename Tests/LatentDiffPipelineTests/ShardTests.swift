import Testing
import LatentDiffPipeline

@Suite struct ShardTests {
    /// The ranks' slices cover 0..<total in order, without overlap, and differ in size by at most 1.
    @Test(arguments: [1, 2, 3, 7])
    func slicesCoverInOrder(count: Int) {
        for total in [0, 1, 5, 16, 100] {
            let ranges = (0..<count).map { Shard(rank: $0, count: count).range(of: total) }
            #expect(ranges.first?.lowerBound == 0)
            #expect(ranges.last?.upperBound == total)
            for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            let sizes = ranges.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1)
        }
        #expect(Shard(rank: 0, count: count).isLead)
    }
}
