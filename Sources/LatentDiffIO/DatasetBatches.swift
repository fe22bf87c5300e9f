import LatentDiffKernels

/// Seeded shuffling, batching and flips. Every random choice is a Philox draw keyed by the seed
/// and counted by (index, epoch, purpose), so an epoch's order and flips depend on nothing but
/// (seed, epoch): not on the batch size, nor on earlier epochs having been run.
extension Dataset {
    public struct Batch: Sendable {
        /// The images' indices in the data set, in batch order.
        public let indices: [Int]
        /// (B, C, H, W).
        public let pixels: [Float]
        /// B labels.
        public let labels: [Int32]
        public var count: Int { indices.count }
    }

    /// The batches of one epoch: `permutation(seed:epoch:)` cut into runs of `size` (the last
    /// one shorter, or dropped with `dropLast`). With `flip`, each image is mirrored left-right
    /// with probability 1/2 (`isFlipped`), as augmentation.
    public struct Batches: Sequence, Sendable {
        let dataset: Dataset
        let order: [Int]
        let size: Int
        let flip: (seed: UInt64, epoch: Int)?

        public func makeIterator() -> Iterator { Iterator(batches: self) }

        public struct Iterator: IteratorProtocol {
            let batches: Batches
            var start = 0

            public mutating func next() -> Batch? {
                guard start < batches.order.count else { return nil }
                let end = Swift.min(start + batches.size, batches.order.count)
                defer { start = end }
                return batches.dataset.gather(batches.order[start..<end], flip: batches.flip)
            }
        }
    }

    public func batches(
        size: Int, seed: UInt64, epoch: Int, flip: Bool = false, dropLast: Bool = false
    ) throws(LatentDiffError) -> Batches {
        guard size > 0 else { throw .invalidArgument("batch size must be positive, not \(size)") }
        let order = permutation(seed: seed, epoch: epoch)
        return Batches(
            dataset: self, order: dropLast ? Array(order.prefix(count - count % size)) : order, size: size,
            flip: flip ? (seed: seed, epoch: epoch) : nil)
    }

    /// A permutation of 0..<count for (seed, epoch): Fisher-Yates, swapping i with a draw in 0...i.
    public func permutation(seed: UInt64, epoch: Int) -> [Int] {
        let philox = Philox(seed: seed)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let w = philox.block(Self.counter(index: i, epoch: epoch, purpose: 0))
            let bits = UInt64(w.0) << 32 | UInt64(w.1)
            let j = Int(bits.multipliedFullWidth(by: UInt64(i + 1)).high)  // in 0...i
            order.swapAt(i, j)
        }
        return order
    }

    /// Whether image `index` is mirrored in `epoch` when batches flip.
    public func isFlipped(index: Int, seed: UInt64, epoch: Int) -> Bool {
        Philox(seed: seed).block(Self.counter(index: index, epoch: epoch, purpose: 1)).0 & 1 == 1
    }

    /// The images at `indices` (each in 0..<count) as one batch; with `flip`, mirrored as
    /// `isFlipped` decides for that (seed, epoch).
    public func batch(indices: [Int], flip: (seed: UInt64, epoch: Int)? = nil) throws(LatentDiffError) -> Batch {
        if let bad = indices.first(where: { !(0..<count).contains($0) }) {
            throw .invalidArgument("image index \(bad) is out of range 0..<\(count)")
        }
        return gather(indices[...], flip: flip)
    }

    private static func counter(index: Int, epoch: Int, purpose: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
         UInt32(truncatingIfNeeded: epoch), purpose)
    }

    /// Copies images (valid indices) into (B, C, H, W), mirroring the rows of those `flip` picks.
    private func gather(_ indices: ArraySlice<Int>, flip: (seed: UInt64, epoch: Int)?) -> Batch {
        let size = imageSize
        var out = [Float](repeating: 0, count: indices.count * size)
        for (b, index) in indices.enumerated() {
            let source = index * size
            let target = b * size
            if let flip, isFlipped(index: index, seed: flip.seed, epoch: flip.epoch) {
                for row in 0..<(channels * height) {
                    for x in 0..<width {
                        out[target + row * width + x] = pixels[source + row * width + width - 1 - x]
                    }
                }
            } else {
                out[target..<(target + size)] = pixels[source..<(source + size)]
            }
        }
        return Batch(indices: Array(indices), pixels: out, labels: indices.map { labels[$0] })
    }
}
