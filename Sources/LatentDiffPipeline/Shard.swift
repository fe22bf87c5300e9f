import LatentDiffKernels

/// One process's part of data-parallel work: process `rank` of `count` takes a contiguous, nearly
/// equal slice of every global index range (a step's training batch, the images to sample). Rank 0
/// is the lead: it alone writes files and reports progress.
public struct Shard: Sendable, Equatable {
    public let rank: Int
    public let count: Int

    /// The whole work in one process.
    public static let whole = Shard(rank: 0, count: 1)

    public init(rank: Int, count: Int) {
        precondition(count > 0 && (0..<count).contains(rank), "Shard: rank \(rank) of \(count)")
        self.rank = rank
        self.count = count
    }

    public var isLead: Bool { rank == 0 }

    /// This process's slice of 0..<total; the slices of ranks 0..<count cover it in order.
    public func range(of total: Int) -> Range<Int> {
        total * rank / count ..< total * (rank + 1) / count
    }
}
