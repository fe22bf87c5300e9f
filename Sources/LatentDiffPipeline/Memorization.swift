import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN

/// How close a model's samples come to its training images, against how close real images it
/// never saw (the held-out split) come to them (docs/design.md, "Memorization").
///
/// Each sample and each held-out image gets the distance to its nearest training image, as the
/// root mean square difference over pixels in [0, 1] and over the codec's latent values (the
/// codec's encoding of the 8-bit image, in codec units; for the identity codec the pixels in
/// [-1, 1], twice the pixel figure). A sample is a near-copy when its pixel distance is below
/// the `thresholdQuantile` quantile (default 1%, the lower value at rank floor(q (h - 1)) of h)
/// of the held-out distances: closer to a training image than 99% of images from the same
/// source that were not trained on. Fewer than that fraction of held-out images fall below it
/// (none of fewer than 101), about the rate a model that copies nothing shows.
public struct MemorizationReport: Sendable {
    /// The nearest-training-image distances in one space.
    public struct Distances: Sendable {
        /// RMS distance of each sample to its nearest training image.
        public let samples: [Double]
        /// The same for each held-out image.
        public let heldOut: [Double]
        /// The index in the training split of each sample's nearest image.
        public let nearest: [Int]
        /// The held-out distance of rank floor(q (h - 1)) from the smallest (rank 0), q the
        /// `thresholdQuantile`: fewer than q of the held-out images lie strictly below it.
        public let threshold: Double

        init(samples: [Double], heldOut: [Double], nearest: [Int], quantile: Double) {
            self.samples = samples
            self.heldOut = heldOut
            self.nearest = nearest
            threshold = heldOut.sorted()[Int((quantile * Double(heldOut.count - 1)).rounded(.down))]
        }

        /// Samples strictly closer to a training image than the threshold.
        public var copies: Int { samples.filter { $0 < threshold }.count }
        /// Held-out images strictly below the threshold (about the quantile's share).
        public var heldOutBelow: Int { heldOut.filter { $0 < threshold }.count }

        public var json: JSON {
            .object([
                ("sample_median", .number(quantile(samples, 0.5))), ("sample_p5", .number(quantile(samples, 0.05))),
                ("held_out_median", .number(quantile(heldOut, 0.5))), ("held_out_p5", .number(quantile(heldOut, 0.05))),
                ("threshold", .number(threshold)), ("copies", .number(Double(copies))),
                ("copy_fraction", .number(Double(copies) / Double(samples.count))),
                ("held_out_fraction_below", .number(Double(heldOutBelow) / Double(heldOut.count))),
            ])
        }

        func quantile(_ values: [Double], _ q: Double) -> Double { MemorizationReport.quantile(values, q) }
    }

    /// Distances over pixels in [0, 1]: these decide the near-copies.
    public let pixels: Distances
    /// Distances over the codec's latent values.
    public let latents: Distances
    public let thresholdQuantile: Double
    public let trainCount: Int
    /// The samples (N, C, H, W) in [-1, 1] and the training split, for `writePairs`.
    let sampleImages: [Float]
    let imageShape: [Int]
    let train: Dataset

    public var sampleCount: Int { pixels.samples.count }
    public var heldOutCount: Int { pixels.heldOut.count }

    /// The q quantile (q in [0, 1]) of `values`, interpolated linearly between the sorted values
    /// at ranks floor and ceil of q (n - 1).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted(), position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(sorted.count - 1, low + 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// Samples `samples` images of `model` (`Evaluation.sampleLabels` for conditional models),
    /// then `measure(sampleImages:...)` with the model's codec. `train` and `heldOut` must be the
    /// data set the model was trained on, read at its image shape.
    public static func measure(
        model: DiffusionModel, train: Dataset, heldOut: Dataset, samples: Int,
        settings: SamplerSettings = SamplerSettings(kind: .dpmSolver, steps: 20), seed: UInt64 = 0, threads: Int,
        log: (String) -> Void = { print($0) }
    ) throws -> MemorizationReport {
        guard samples > 0 else { throw LatentDiffError.invalidArgument("the sample count must be positive, not \(samples)") }
        guard [train.channels, train.height, train.width] == model.imageShape else {
            throw LatentDiffError.invalidArgument(
                "the training images are \(train.channels)x\(train.height)x\(train.width), the model makes \(model.imageShape.map(String.init).joined(separator: "x"))")
        }
        let labels = Evaluation.sampleLabels(classCount: model.classCount, count: samples)
        let generation = try Generation(model: model, settings: settings, seed: seed, labels: labels, threads: threads)
        let (c, h, w) = (model.imageShape[0], model.imageShape[1], model.imageShape[2])
        let images = ImageConversion.images(from: generation.pixels, count: labels.count, channels: c, height: h, width: w)
        return try measure(sampleImages: images.values, train: train, heldOut: heldOut,
                           encode: latentEncoder(model, threads: threads), seed: seed, threads: threads, log: log)
    }

    /// The model's encoder for `measure`: nil (the pixels) for the identity codec.
    public static func latentEncoder(_ model: DiffusionModel, threads: Int) -> ((Tensor) throws -> [Float])? {
        model.config.codec.kind == .identity ? nil : { images in try model.encode(images, threads: threads) }
    }

    /// The report for `sampleImages` (N, C, H, W) in [-1, 1] against `train`, with `heldOutCount`
    /// (default N, at most all) held-out images drawn by `seed`. `encode` maps images (n, C, H, W)
    /// to latents (n values each); nil measures latents as the pixels. The training split is read,
    /// encoded and searched `block` images at a time (`NearestNeighbours`) on `threads` threads.
    public static func measure(
        sampleImages: [Float], train: Dataset, heldOut: Dataset, heldOutCount: Int? = nil,
        encode: ((Tensor) throws -> [Float])?, seed: UInt64 = 0, threads: Int, thresholdQuantile: Double = 0.01,
        block: Int = 1024, log: (String) -> Void = { _ in }
    ) throws -> MemorizationReport {
        try measure(sampleSets: [sampleImages], train: train, heldOut: heldOut, heldOutCount: heldOutCount, encode: encode,
                    seed: seed, threads: threads, thresholdQuantile: thresholdQuantile, block: block, log: log)[0]
    }

    /// `measure(sampleImages:...)` of several sets of samples in one pass over the training split
    /// (read and encoded once): each set's report is the one it gets alone, against the same
    /// held-out images (`heldOutCount`, default the largest set's size).
    public static func measure(
        sampleSets: [[Float]], train: Dataset, heldOut: Dataset, heldOutCount: Int? = nil,
        encode: ((Tensor) throws -> [Float])?, seed: UInt64 = 0, threads: Int, thresholdQuantile: Double = 0.01,
        block: Int = 1024, log: (String) -> Void = { _ in }
    ) throws -> [MemorizationReport] {
        let shape = [train.channels, train.height, train.width], size = train.imageSize
        guard [heldOut.channels, heldOut.height, heldOut.width] == shape else {
            throw LatentDiffError.invalidArgument("held-out images are \(heldOut.channels)x\(heldOut.height)x\(heldOut.width), training images \(shape.map(String.init).joined(separator: "x"))")
        }
        guard !sampleSets.isEmpty else { throw LatentDiffError.invalidArgument("memorization needs samples") }
        for sampleImages in sampleSets {
            guard !sampleImages.isEmpty, sampleImages.count % size == 0 else {
                throw LatentDiffError.invalidArgument("\(sampleImages.count) values are not a whole number of \(shape.map(String.init).joined(separator: "x")) images")
            }
        }
        guard train.count > 0, heldOut.count > 0 else { throw LatentDiffError.invalidArgument("memorization needs training and held-out images") }
        guard (0..<1).contains(thresholdQuantile), block > 0 else {
            throw LatentDiffError.invalidArgument("the threshold quantile must be in [0, 1) and the block positive")
        }
        guard heldOutCount.map({ $0 > 0 }) ?? true else {
            throw LatentDiffError.invalidArgument("the held-out count must be positive, not \(heldOutCount ?? 0)")
        }
        let counts = sampleSets.map { $0.count / size }, n = counts.reduce(0, +)
        let heldOutIndices = Array(heldOut.permutation(seed: seed, epoch: 0).prefix(min(heldOutCount ?? counts.max()!, heldOut.count)))
        let h = heldOutIndices.count
        // Queries: the samples, set after set, then the held-out images.
        let queries = sampleSets.flatMap { $0 } + (try heldOut.batch(indices: heldOutIndices).pixels)
        var pixelSearch = try NearestNeighbours(queries: queries, count: n + h, dimension: size)
        var latentSearch: NearestNeighbours?
        if let encode {
            let latents = try encode(Tensor(shape: [n + h] + shape, values: queries))
            latentSearch = try NearestNeighbours(queries: latents, count: n + h, dimension: latents.count / (n + h))
        }
        let start = MonotonicClock.now()
        var first = 0, encoding = 0.0
        while first < train.count {
            let images = try train.batch(indices: Array(first..<min(train.count, first + block))).pixels
            try pixelSearch.add(references: images, threads: threads)
            if let encode {
                let encodeStart = MonotonicClock.now()
                let latents = try encode(Tensor(shape: [images.count / size] + shape, values: images))
                encoding += MonotonicClock.now() - encodeStart
                try latentSearch?.add(references: latents, threads: threads)
            }
            first += block
        }
        let seconds = MonotonicClock.now() - start
        log("memorization: \(n) samples and \(h) held-out images against \(train.count) training images in \(format(seconds, digits: 1)) s\(encode == nil ? "" : " (\(format(encoding, digits: 1)) s of it encoding the training images)")")
        // Every query's RMS distance once per space; pixels in [-1, 1] differ by twice what they do in [0, 1].
        let pixelRMS = pixelSearch.rmsDistances.map { $0 * 0.5 }
        let latentSearchOrPixels = latentSearch ?? pixelSearch, latentRMS = latentSearchOrPixels.rmsDistances
        var next = 0
        return sampleSets.indices.map { set in
            let samples = next ..< next + counts[set]
            next += counts[set]
            func distances(_ rms: [Double], _ search: NearestNeighbours) -> Distances {
                Distances(samples: Array(rms[samples]), heldOut: Array(rms[n...]), nearest: Array(search.indices[samples]),
                          quantile: thresholdQuantile)
            }
            return MemorizationReport(
                pixels: distances(pixelRMS, pixelSearch), latents: distances(latentRMS, latentSearchOrPixels),
                thresholdQuantile: thresholdQuantile, trainCount: train.count, sampleImages: sampleSets[set],
                imageShape: shape, train: train)
        }
    }

    /// The plain sentence: how many samples are near-copies of training images.
    public var verdict: String {
        let share = "\(format(thresholdQuantile * 100, digits: 0))%"
        let threshold = "RMS pixel distance \(format(pixels.threshold, digits: 4))"
        guard pixels.copies > 0 else {
            return "no sample is closer to a training image than the closest \(share) of held-out images are (\(threshold))"
        }
        return "\(pixels.copies) of \(sampleCount) samples (\(format(Double(pixels.copies) / Double(sampleCount) * 100, digits: 1))%) are near-copies of training images: closer to one than all but the closest \(share) of held-out images (\(threshold); held-out images below it: \(format(Double(pixels.heldOutBelow) / Double(heldOutCount) * 100, digits: 1))%)"
    }

    /// The report as text lines.
    public var summary: [String] {
        func line(_ name: String, _ d: Distances) -> String {
            "  \(name): samples median \(format(quantile(d.samples, 0.5), digits: 4)), 5th percentile \(format(quantile(d.samples, 0.05), digits: 4)); held-out median \(format(quantile(d.heldOut, 0.5), digits: 4)), 5th percentile \(format(quantile(d.heldOut, 0.05), digits: 4))"
        }
        func quantile(_ values: [Double], _ q: Double) -> Double { Self.quantile(values, q) }
        return ["memorization: RMS distance to the nearest of \(trainCount) training images, \(sampleCount) samples against \(heldOutCount) held-out images",
                line("pixels in [0, 1]", pixels), line("latents (codec units)", latents), "  " + verdict]
    }

    public var json: JSON {
        .object([
            ("samples", .number(Double(sampleCount))), ("held_out", .number(Double(heldOutCount))),
            ("train", .number(Double(trainCount))), ("threshold_quantile", .number(thresholdQuantile)),
            ("pixel", pixels.json), ("latent", latents.json), ("verdict", .string(verdict)),
        ])
    }

    /// Writes a PNG of the `count` samples closest to a training image (closest first) in the
    /// top row, each above its nearest training image in the bottom row.
    public func writePairs(path: String, count: Int = 16) throws {
        guard (1...256).contains(count) else { throw LatentDiffError.invalidArgument("the pair count must be in 1...256, not \(count)") }
        let size = imageShape.reduce(1, *)
        let order = pixels.samples.indices.sorted { (pixels.samples[$0], $0) < (pixels.samples[$1], $1) }.prefix(count)
        var shown: [Float] = []
        for i in order { shown += sampleImages[(i * size)..<((i + 1) * size)] }
        let neighbours = try train.batch(indices: order.map { pixels.nearest[$0] }).pixels
        let bytes = ImageConversion.pixels(from: Tensor(shape: [order.count] + imageShape, values: shown))
            + ImageConversion.pixels(from: Tensor(shape: [order.count] + imageShape, values: neighbours))
        try PNG.write(path: path, image: try ImageGrid.compose(
            pixels: bytes, count: 2 * order.count, width: imageShape[2], height: imageShape[1], channels: imageShape[0],
            columns: order.count))
    }
}
