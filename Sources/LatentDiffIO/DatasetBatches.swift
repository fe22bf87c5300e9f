import LatentDiffKernels

/// Seeded shuffling, batching and augmentation. Every random choice is a Philox draw keyed by the
/// seed and counted by (index, epoch, purpose), so an epoch's order, flips and shifts depend on
/// nothing but (seed, epoch): not on the batch size, nor on earlier epochs having been run.
extension Dataset {
    /// Random changes to training images, drawn per image from (seed, epoch, index).
    public struct Augmentation: Sendable, Equatable {
        /// Mirror left-right with probability 1/2.
        public var flip: Bool
        /// Translate by (dx, dy), each uniform in -maxShift...maxShift; uncovered pixels are 0.
        public var maxShift: Int
        public var seed: UInt64
        public var epoch: Int

        public init(flip: Bool, maxShift: Int = 0, seed: UInt64, epoch: Int) {
            self.flip = flip
            self.maxShift = maxShift
            self.seed = seed
            self.epoch = epoch
        }

        /// The augmentation, or nil when it would change nothing (no flips, no shifts).
        public static func ifAny(flip: Bool, maxShift: Int, seed: UInt64, epoch: Int) -> Augmentation? {
            flip || maxShift > 0 ? Augmentation(flip: flip, maxShift: maxShift, seed: seed, epoch: epoch) : nil
        }
    }

    /// Throws `.invalidArgument` unless 0 <= maxShift <= the image's smaller side.
    public func checkShift(_ maxShift: Int) throws(LatentDiffError) {
        guard (0...min(height, width)).contains(maxShift) else {
            throw .invalidArgument("the largest shift must be in 0...\(min(height, width)) pixels, not \(maxShift)")
        }
    }

    /// What `augmentation` does to image `index`: out[c, y, x] = image[c, y + dy, x'] with
    /// x' = x + dx, mirrored (W - 1 - x') when `flipped`.
    public func transform(index: Int, _ augmentation: Augmentation) -> (flipped: Bool, dx: Int, dy: Int) {
        let w = Philox(seed: augmentation.seed).block(Self.counter(index: index, epoch: augmentation.epoch, purpose: 1))
        let maxShift = max(0, min(augmentation.maxShift, min(height, width)))   // as checkShift allows
        let span = UInt32(2 * maxShift + 1)
        let shift = { (bits: UInt32) in Int(bits % span) - maxShift }
        return (augmentation.flip && w.0 & 1 == 1, shift(w.1), shift(w.2))
    }

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
    /// one shorter, or dropped with `dropLast`), each image changed as `transform` says when
    /// the batches augment.
    public struct Batches: Sequence, Sendable {
        let dataset: Dataset
        let order: [Int]
        let size: Int
        let augmentation: Augmentation?

        public func makeIterator() -> Iterator { Iterator(batches: self) }

        public struct Iterator: IteratorProtocol {
            let batches: Batches
            var start = 0

            public mutating func next() -> Batch? {
                guard start < batches.order.count else { return nil }
                let end = Swift.min(start + batches.size, batches.order.count)
                defer { start = end }
                return batches.dataset.gather(batches.order[start..<end], augmentation: batches.augmentation)
            }
        }
    }

    public func batches(
        size: Int, seed: UInt64, epoch: Int, flip: Bool = false, maxShift: Int = 0, dropLast: Bool = false
    ) throws(LatentDiffError) -> Batches {
        guard size > 0 else { throw .invalidArgument("batch size must be positive, not \(size)") }
        try checkShift(maxShift)
        let order = permutation(seed: seed, epoch: epoch)
        return Batches(
            dataset: self, order: dropLast ? Array(order.prefix(count - count % size)) : order, size: size,
            augmentation: .ifAny(flip: flip, maxShift: maxShift, seed: seed, epoch: epoch))
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

    /// The images at `indices` (each in 0..<count) as one batch, changed as `transform` says
    /// when `augmentation` is given.
    public func batch(indices: [Int], augmentation: Augmentation? = nil) throws(LatentDiffError) -> Batch {
        if let bad = indices.first(where: { !(0..<count).contains($0) }) {
            throw .invalidArgument("image index \(bad) is out of range 0..<\(count)")
        }
        return gather(indices[...], augmentation: augmentation)
    }

    private static func counter(index: Int, epoch: Int, purpose: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
         UInt32(truncatingIfNeeded: epoch), purpose)
    }

    /// Copies images (valid indices) into (B, C, H, W) as floats b / 127.5 - 1, transformed when
    /// `augmentation` is given.
    private func gather(_ indices: ArraySlice<Int>, augmentation: Augmentation?) -> Batch {
        let size = imageSize
        let bytes = store.bytes
        var out = [Float](repeating: 0, count: indices.count * size)
        for (b, index) in indices.enumerated() {
            let source = offset(of: index)
            let target = b * size
            guard let augmentation else {
                for k in 0..<size { out[target + k] = Float(bytes[source + k]) / 127.5 - 1 }
                continue
            }
            let (flipped, dx, dy) = transform(index: index, augmentation)
            for c in 0..<channels {
                for y in 0..<height where (0..<height).contains(y + dy) {
                    let (row, sourceRow) = (target + (c * height + y) * width, source + (c * height + y + dy) * width)
                    for x in 0..<width where (0..<width).contains(x + dx) {
                        out[row + x] = Float(bytes[sourceRow + (flipped ? width - 1 - (x + dx) : x + dx)]) / 127.5 - 1
                    }
                }
            }
        }
        return Batch(indices: Array(indices), pixels: out, labels: indices.map { labels[$0] })
    }
}
