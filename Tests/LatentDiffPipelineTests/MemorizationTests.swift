import Testing
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN
import LatentDiffPipeline

/// Nearest neighbours against brute force, and the memorization report on the fixture folder:
/// training images fed as samples are copies, held-out images are not.
@Suite struct MemorizationTests {
    /// Values in [-1, 1) from Philox: rows of random points.
    static func points(_ count: Int, seed: UInt64) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { Philox(seed: seed).fillUniforms($0.baseAddress!, count: count, stream: 0) }
        return values.map { $0 * 2 - 1 }
    }

    @Test func nearestNeighboursMatchBruteForceInAnyBlocksAndThreads() throws {
        let (m, n, d) = (37, 301, 19)
        let queries = Self.points(m * d, seed: 1), references = Self.points(n * d, seed: 2)
        var expected: [(index: Int, distance: Float)] = []
        for i in 0..<m {
            var best = (index: -1, distance: Float.infinity)
            for j in 0..<n {
                var sum: Float = 0
                for k in 0..<d { sum += (queries[i * d + k] - references[j * d + k]) * (queries[i * d + k] - references[j * d + k]) }
                if sum < best.distance { best = (j, sum) }
            }
            expected.append(best)
        }
        for (blocks, threads) in [([301], 1), ([100, 1, 200], 2), ([7, 294], 3)] {
            var search = try NearestNeighbours(queries: queries, count: m, dimension: d)
            var first = 0
            for size in blocks {
                try search.add(references: Array(references[(first * d)..<((first + size) * d)]), threads: threads)
                first += size
            }
            #expect(search.referenceCount == n)
            #expect(search.indices == expected.map(\.index), "blocks \(blocks)")
            for i in 0..<m {
                #expect(abs(search.squaredDistances[i] - expected[i].distance) <= 1e-5 * expected[i].distance, "query \(i)")
            }
            #expect(search.rmsDistances[0] == (Double(search.squaredDistances[0]) / Double(d)).squareRoot())
        }
        // A query equal to a reference is at distance 0 from it.
        var copy = try NearestNeighbours(queries: Array(references[(5 * d)..<(6 * d)]), count: 1, dimension: d)
        try copy.add(references: references, threads: 2)
        #expect(copy.indices == [5] && copy.squaredDistances == [0])
        #expect(throws: LatentDiffError.self) { try NearestNeighbours(queries: queries, count: m + 1, dimension: d) }
    }

    @Test func quantilesInterpolateLinearly() {
        #expect(MemorizationReport.quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(MemorizationReport.quantile([10], 0.05) == 10)
        #expect(MemorizationReport.quantile([0, 10], 0.05) == 0.5)
    }

    /// Several sample sets measured in one pass each get the report they get alone.
    @Test func setsMeasuredTogetherMatchEachAlone() throws {
        let kind = Dataset.Kind.folder(ImageFolderSettings(size: 16, channels: 3))
        let train = try Dataset.load(kind, directory: FolderTrainingTests.labelled, split: .train)
        let heldOut = try Dataset.load(kind, directory: FolderTrainingTests.labelled, split: .test)
        let first = try train.batch(indices: [0, 7, 11]).pixels, second = Self.points(3 * 3 * 16 * 16, seed: 5)
        let means: (Tensor) throws -> [Float] = { images in
            let size = 3 * 16 * 16
            return (0..<images.shape[0]).map { i in images.values[(i * size)..<((i + 1) * size)].reduce(0, +) / Float(size) }
        }
        let together = try MemorizationReport.measure(sampleSets: [first, second], train: train, heldOut: heldOut,
                                                      encode: means, seed: 3, threads: 2, block: 4)
        #expect(together.count == 2)
        for (set, report) in zip([first, second], together) {
            let alone = try MemorizationReport.measure(sampleImages: set, train: train, heldOut: heldOut, encode: means,
                                                       seed: 3, threads: 1)
            #expect(report.pixels.samples == alone.pixels.samples && report.pixels.nearest == alone.pixels.nearest)
            #expect(report.pixels.heldOut == alone.pixels.heldOut && report.latents.samples == alone.latents.samples)
            #expect(report.pixels.threshold == alone.pixels.threshold && report.verdict == alone.verdict)
        }
        #expect(together[0].pixels.copies == 3 && together[1].pixels.copies == 0)
    }

    @Test func trainingImagesAreCopiesAndHeldOutImagesAreNot() throws {
        let kind = Dataset.Kind.folder(ImageFolderSettings(size: 16, channels: 3))
        let train = try Dataset.load(kind, directory: FolderTrainingTests.labelled, split: .train)
        let heldOut = try Dataset.load(kind, directory: FolderTrainingTests.labelled, split: .test)
        #expect(heldOut.count >= 3)
        let copied = [0, 7, 11]
        let trainImages = try train.batch(indices: copied).pixels, heldOutImages = heldOut.allPixels()

        // Samples: three training images, then every held-out image.
        let report = try MemorizationReport.measure(
            sampleImages: trainImages + heldOutImages, train: train, heldOut: heldOut, heldOutCount: heldOut.count,
            encode: nil, threads: 2, block: 5)
        #expect(report.sampleCount == copied.count + heldOut.count && report.heldOutCount == heldOut.count)
        #expect(Array(report.pixels.nearest.prefix(3)) == copied)
        #expect(report.pixels.samples.prefix(3).allSatisfy { $0 == 0 })
        #expect(report.pixels.threshold > 0 && report.pixels.threshold == report.pixels.heldOut.min())
        #expect(report.pixels.copies == copied.count, "\(report.pixels.samples)")
        #expect(report.verdict.hasPrefix("3 of \(report.sampleCount) samples"), "\(report.verdict)")
        // Identity latents: the pixels in [-1, 1], twice the [0, 1] distances.
        for (latent, pixel) in zip(report.latents.samples, report.pixels.samples) { #expect(abs(latent - 2 * pixel) <= 1e-12) }

        // The held-out images alone: nothing is closer than the closest held-out image.
        let clean = try MemorizationReport.measure(
            sampleImages: heldOutImages, train: train, heldOut: heldOut, heldOutCount: heldOut.count, encode: nil, threads: 1)
        #expect(clean.pixels.copies == 0 && clean.verdict.hasPrefix("no sample is closer"), "\(clean.verdict)")
        #expect(clean.pixels.samples.sorted() == clean.pixels.heldOut.sorted())

        // An encoder measures latents in its own space: here the mean of each image.
        let means = try MemorizationReport.measure(
            sampleImages: trainImages, train: train, heldOut: heldOut, encode: { images in
                let size = 3 * 16 * 16
                return (0..<images.shape[0]).map { i in images.values[(i * size)..<((i + 1) * size)].reduce(0, +) / Float(size) }
            }, threads: 2)
        #expect(means.latents.samples.allSatisfy { $0 <= 1e-6 } && means.heldOutCount == copied.count)

        // Bad input: one error each, no crash.
        #expect(throws: LatentDiffError.self) {
            try MemorizationReport.measure(sampleImages: trainImages, train: train, heldOut: heldOut, heldOutCount: -1, encode: nil, threads: 1)
        }
        #expect(throws: LatentDiffError.self) {
            try MemorizationReport.measure(sampleImages: Array(trainImages.dropLast()), train: train, heldOut: heldOut, encode: nil, threads: 1)
        }
        let small = try Dataset.load(.folder(ImageFolderSettings(size: 8, channels: 3)), directory: FolderTrainingTests.labelled, split: .test)
        #expect(throws: LatentDiffError.self) {
            try MemorizationReport.measure(sampleImages: trainImages, train: train, heldOut: small, encode: nil, threads: 1)
        }

        guard case .object(let fields) = report.json, let pixel = fields.first(where: { $0.key == "pixel" })?.value,
              case .object(let pixelFields) = pixel else {
            Issue.record("no pixel figures in \(report.json.serialized())")
            return
        }
        #expect(pixelFields.first { $0.key == "copies" }?.value.doubleValue == 3)
        #expect(report.summary.count == 4)

        let path = temporaryDirectory() + "/pairs.png"
        try report.writePairs(path: path, count: 4)
        let image = try PNG.read(path: path)
        #expect(image.width == 4 * 18 + 2 && image.height == 2 * 18 + 2 && image.channels == 3)
        // The first pair: training image 0 beside itself.
        let first = try train.batch(indices: [0]).pixels
        let expected = ImageConversion.pixels(from: Tensor(shape: [1, 3, 16, 16], values: first))
        for y in 0..<16 {
            for x in 0..<16 {
                for c in 0..<3 {
                    let top = image.pixels[((2 + y) * image.width + 2 + x) * 3 + c]
                    let bottom = image.pixels[((20 + y) * image.width + 2 + x) * 3 + c]
                    #expect(top == expected[(y * 16 + x) * 3 + c] && bottom == top)
                }
            }
        }
    }
}
