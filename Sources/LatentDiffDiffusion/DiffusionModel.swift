import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// A loaded model: codec + denoiser + schedule, ready to sample. Read-only: any number of threads
/// may sample from one instance at once.
public final class DiffusionModel: @unchecked Sendable {
    public let config: ModelConfig
    public let codec: Codec
    public let denoiser: Denoiser
    /// The weaker denoiser autoguidance pushes away from, when the file holds one.
    public let guide: Denoiser?
    public let sampler: Sampler

    /// Builds the model over `file`'s tensors; every tensor must be used and none may be missing.
    public init(file: ModelFile) throws(LatentDiffError) {
        guard let denoiserConfig = file.config.denoiser else {
            throw .format("this file holds a codec only (from train-codec); train a diffusion model on it with `latentdiff train`")
        }
        // The guide's tensors are `guide.<name>` for the denoiser's `denoiser.<name>`.
        let (guideTensors, tensors) = file.config.guide == nil ? ([:], file.tensorsByName) : ModelFile.splitGuide(file.tensorsByName)
        let store = ParameterStore(tensors: tensors, requiresGrad: false)
        let guideStore = ParameterStore(tensors: guideTensors, requiresGrad: false)
        do {
            codec = try makeCodec(file.config.codec, store: store)
            denoiser = try makeDenoiser(denoiserConfig, store: store)
            guide = try file.config.guide.map { try makeDenoiser($0, store: guideStore) }
        } catch let error as LatentDiffError {
            throw .format("model tensors: \(error.message)")
        } catch {
            throw .init(.internalError, "\(error)")
        }
        let unexpected = store.unusedNames + guideStore.unusedNames.map { ModelFile.guideName(ofDenoiserName: $0) ?? $0 }
        guard unexpected.isEmpty else {
            throw .format("unexpected tensors in the model file: \(unexpected.prefix(5).joined(separator: ", "))\(unexpected.count > 5 ? ", ..." : "")")
        }
        config = file.config
        sampler = Sampler(schedule: try NoiseSchedule(kind: config.schedule, timesteps: config.timesteps),
                          prediction: config.prediction)
    }

    public static func load(path: String) throws(LatentDiffError) -> DiffusionModel {
        try build(try ModelFile.read(path: path), name: "'\(path)'")
    }

    /// Loads a model file's bytes held in memory, with the parser and checks of `load(path:)`.
    /// `bytes` is only read during the call.
    public static func load(bytes: UnsafeRawBufferPointer) throws(LatentDiffError) -> DiffusionModel {
        try build(try ModelFile.decode(bytes, source: "<memory>"), name: "<memory>")
    }

    /// The model over a file's contents, read from a file or memory; `name` names the source.
    private static func build(_ file: ModelFile, name: String) throws(LatentDiffError) -> DiffusionModel {
        guard file.metadataValue(ModelFile.trainingStateKey) == nil else {
            throw .format("\(name) is a training checkpoint: continue it with --resume, or load the model file training writes")
        }
        do {
            return try DiffusionModel(file: file)
        } catch {
            throw LatentDiffError(error.status, "\(name): \(error.message)")
        }
    }

    /// The x_T sampling starts from for samples `firstIndex ..< firstIndex + count` with `seed`:
    /// unit normals in the sampler's standardized latent units, (latent - latentMean) / latentStd,
    /// not the codec's units. What `sampleLatents(noise:)` takes.
    public func initialNoise(seed: UInt64, firstIndex: Int = 0, count: Int) -> [Float] {
        Sampler.initialNoise(seed: seed, firstIndex: firstIndex, count: count, size: latentCount)
    }

    public var latentShape: [Int] { config.codec.latentShape }
    public var latentCount: Int { latentShape.reduce(1, *) }
    public var classCount: Int { config.denoiser?.classCount ?? 0 }

    /// The denoiser as the sampler calls it (inference: no graph is recorded).
    public var denoiseFunction: DenoiseFunction { Self.denoiseFunction(denoiser) }

    /// The guide denoiser as the sampler calls it when `settings` use autoguidance (nil when
    /// they do not). Throws when they do and the file holds no guide.
    public func guideFunction(for settings: SamplerSettings) throws(LatentDiffError) -> DenoiseFunction? {
        guard settings.autoguidance != 0 else { return nil }
        guard let guide else {
            throw .invalidArgument("autoguidance needs a guide denoiser, and this model file holds none (latentdiff attach-guide)")
        }
        return Self.denoiseFunction(guide)
    }

    static func denoiseFunction(_ denoiser: Denoiser) -> DenoiseFunction {
        { x, t, labels in
            denoiser(x, timesteps: [Float](repeating: Float(t), count: labels.count), labels: labels, dropout: nil)
        }
    }

    /// Samples latents in codec units, (count, latentShape...) concatenated. Labels: one per sample,
    /// -1 for none. With `start` (latents in codec units, one per sample, and a strength in
    /// [0, 1]), each sample is the start re-noised and denoised (SDEdit, `Sampler.sample`).
    /// `noise`: each sample's x_T in the sampler's standardized units (`initialNoise`); `mask`:
    /// per latent value, 1 = regenerate, 0 = keep the start's (inpainting, `Sampler.sample`).
    public func sampleLatents(
        settings: SamplerSettings, seed: UInt64, labels: [Int], firstIndex: Int = 0, threads: Int = 1,
        start: (latents: [Float], strength: Double)? = nil, noise: [Float]? = nil, mask: [Float]? = nil,
        progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) -> [Float] {
        for label in labels where label < -1 || label >= max(classCount, 0) && label != -1 {
            throw .invalidArgument("class label \(label) is out of range (the model has \(classCount) classes; -1 = none)")
        }
        let (mean, std) = (config.latentMean, config.latentStd)
        let standardized = start.map { (latents: $0.latents.map { ($0 - mean) / std }, strength: $0.strength) }
        var latents = try sampler.sample(
            settings: settings, seed: seed, labels: labels, latentShape: latentShape, firstIndex: firstIndex,
            threads: threads, start: standardized, noise: noise, mask: mask, guide: try guideFunction(for: settings),
            model: denoiseFunction, progress: progress)
        for i in latents.indices { latents[i] = latents[i] * std + mean }
        guard latents.allSatisfy({ $0.isFinite }) else { throw .init(.numeric, "sampling produced NaN or infinite latents") }
        return latents
    }
}

extension DiffusionModel {
    /// (C, H, W) of the images.
    public var imageShape: [Int] { config.codec.imageShape }

    /// Most images the codec decodes or encodes in one call.
    static let codingBatchLimit = 32

    /// Images a group of `threads` threads codes between two progress reports.
    static func progressGroup(threads: Int) -> Int { max(1, threads) * codingBatchLimit }

    /// Decodes `count` latents (codec units, concatenated) to images (count, C, H, W) in [-1, 1],
    /// in batches whose images' pixels do not depend on their neighbours (inference is per sample).
    /// `progress(done, count)` is called on the calling thread after every group of images; a
    /// false return cancels (`.cancelled`).
    public func decode(
        _ latents: [Float], threads: Int, progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) -> Tensor {
        let size = latentCount, imageSize = config.codec.imageCount
        guard latents.count % size == 0, !latents.isEmpty else {
            throw .invalidArgument("\(latents.count) values are not a whole number of latents of \(size)")
        }
        let count = latents.count / size
        for i in latents.indices where !latents[i].isFinite {
            throw .init(.numeric, "latent \(i / size) holds NaN or infinity")
        }
        let images = Tensor(zeros: [count] + imageShape)
        try Self.inGroups(count, threads: threads, progress: progress) { batch in
            let latent = Tensor(zeros: [batch.count] + latentShape)
            for i in 0..<(batch.count * size) { latent.data[i] = latents[batch.lowerBound * size + i] }
            let image = codec.decode(latent)
            withExtendedLifetime(image) {
                (images.data + batch.lowerBound * imageSize).update(from: image.data, count: batch.count * imageSize)
            }
        }
        return images
    }

    /// Encodes `count` images (count, C, H, W) in [-1, 1] to latents in codec units, in batches and
    /// with progress as `decode`.
    public func encode(
        _ images: Tensor, threads: Int, progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) -> [Float] {
        let count = images.shape[0], size = latentCount, imageSize = config.codec.imageCount
        let latents = Tensor(zeros: [count] + latentShape)
        try Self.inGroups(count, threads: threads, progress: progress) { batch in
            let image = Tensor(zeros: [batch.count] + imageShape)
            image.data.update(from: images.data + batch.lowerBound * imageSize, count: batch.count * imageSize)
            let latent = codec.encode(image)
            withExtendedLifetime(latent) {
                (latents.data + batch.lowerBound * size).update(from: latent.data, count: batch.count * size)
            }
        }
        return latents.values
    }

    /// `body(batch)` over batches covering 0..<count, a group of `progressGroup` items at a time
    /// spread over `threads` threads, with `progress(done, count)` on the calling thread after
    /// each group.
    static func inGroups(
        _ count: Int, threads: Int, progress: (Int, Int) -> Bool, _ body: (Range<Int>) -> Void
    ) throws(LatentDiffError) {
        let group = progressGroup(threads: threads)
        var start = 0
        while start < count {
            let end = min(count, start + group), offset = start
            Parallel.forEachBatch(end - start, threads: threads, largest: codingBatchLimit) { batch in
                body((batch.lowerBound + offset)..<(batch.upperBound + offset))
            }
            start = end
            guard progress(start, count) else { throw .cancelled() }
        }
    }
}
