import LatentDiffIO
import LatentDiffKernels

/// The training batch of each step, a pure function of (seed, step): step s takes positions
/// s*B ..< (s+1)*B of the concatenated epoch permutations (a partial last batch of an epoch is
/// skipped), so a resumed run sees exactly the batches an uninterrupted one would.
public final class StepBatches {
    public let dataset: Dataset
    public let batchSize: Int
    public let seed: UInt64
    public let flip: Bool
    public let maxShift: Int
    public let stepsPerEpoch: Int
    private var cachedEpoch = -1
    private var order: [Int] = []

    public init(dataset: Dataset, batchSize: Int, seed: UInt64, flip: Bool, maxShift: Int = 0) throws(LatentDiffError) {
        guard batchSize > 0, batchSize <= dataset.count else {
            throw .invalidArgument("batch size must be in 1...\(dataset.count) (the data set's size), not \(batchSize)")
        }
        try dataset.checkShift(maxShift)
        self.dataset = dataset
        self.batchSize = batchSize
        self.seed = seed
        self.flip = flip
        self.maxShift = maxShift
        stepsPerEpoch = dataset.count / batchSize
    }

    /// The data set indices of step `step`'s batch and the epoch they belong to.
    public func indices(step: Int) -> (indices: [Int], epoch: Int) {
        let epoch = step / stepsPerEpoch
        if epoch != cachedEpoch {
            order = dataset.permutation(seed: seed, epoch: epoch)
            cachedEpoch = epoch
        }
        let start = (step % stepsPerEpoch) * batchSize
        return (Array(order[start..<(start + batchSize)]), epoch)
    }

    /// The images and labels of step `step`'s batch (flipped and shifted as `flip` and
    /// `maxShift` ask).
    public func batch(step: Int) throws(LatentDiffError) -> Dataset.Batch {
        let (indices, epoch) = indices(step: step)
        return try dataset.batch(indices: indices, augmentation: .ifAny(flip: flip, maxShift: maxShift, seed: seed, epoch: epoch))
    }
}
