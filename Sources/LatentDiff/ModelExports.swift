import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// The most images one call makes or reads.
let maxCount: Int32 = 65536

@c public func ld_model_load(_ path: UnsafePointer<CChar>?, _ outModel: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withStatus("ld_model_load") { () throws(LatentDiffError) in
        let path = String(cString: try required(path, "path"))
        let outModel = try required(outModel, "out_model")
        let model = try Threads.withCap { () throws(LatentDiffError) in try DiffusionModel.load(path: path) }
        outModel.pointee = try ModelHandle(model: model).retainedPointer()
    }
}

@c public func ld_model_load_from_memory(
    _ data: UnsafeRawPointer?, _ size: Int, _ outModel: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    withStatus("ld_model_load_from_memory") { () throws(LatentDiffError) in
        let data = try required(data, "data")
        let outModel = try required(outModel, "out_model")
        guard size >= 0 else { throw .invalidArgument("size \(size) is negative") }
        let bytes = UnsafeRawBufferPointer(start: data, count: size)
        let model = try Threads.withCap { () throws(LatentDiffError) in try DiffusionModel.load(bytes: bytes) }
        outModel.pointee = try ModelHandle(model: model).retainedPointer()
    }
}

@c public func ld_model_free(_ model: OpaquePointer?) {
    ModelHandle.release(model)
}

/// The 0.1.0 ld_model_desc: every field up to config_json.
let modelDescMinimum = MemoryLayout<ld_model_desc>.offset(of: \ld_model_desc.timesteps)!

@c public func ld_model_info_sized(
    _ model: OpaquePointer?, _ outDesc: UnsafeMutablePointer<ld_model_desc>?, _ descSize: Int
) -> Int32 {
    withStatus("ld_model_info") { () throws(LatentDiffError) in
        let handle = try ModelHandle.from(model)
        let outDesc = try required(outDesc, "out_desc")
        try VersionedStruct.checkSize(descSize, minimum: modelDescMinimum, name: "ld_model_desc", what: "the size of *out_desc")
        let config = handle.model.config
        var desc = ld_model_desc()
        desc.struct_size = min(descSize, MemoryLayout<ld_model_desc>.size)
        desc.image_channels = Int32(config.codec.imageShape[0])
        desc.image_height = Int32(config.codec.imageShape[1])
        desc.image_width = Int32(config.codec.imageShape[2])
        let shape = config.codec.latentShape
        desc.latent_rank = Int32(shape.count)
        withUnsafeMutableBytes(of: &desc.latent_shape) { raw in
            for (i, dimension) in shape.prefix(4).enumerated() { raw.storeBytes(of: Int32(dimension), toByteOffset: 4 * i, as: Int32.self) }
        }
        desc.latent_size = Int32(handle.model.latentCount)
        desc.class_count = Int32(handle.model.classCount)
        desc.codec_kind = UnsafePointer(handle.codecKind)
        desc.dataset = UnsafePointer(handle.dataset)
        desc.training_steps = Int64(config.denoiserSteps)
        desc.config_json = UnsafePointer(handle.configJSON)
        desc.timesteps = Int32(config.timesteps)
        desc.image_bytes = Int32(config.codec.imageCount)
        desc.default_guidance = config.samplingDefaults.guidance
        desc.default_steps = Int32(config.samplingDefaults.steps)
        desc.default_sampler = samplerValue(config.samplingDefaults.sampler)
        desc.class_names = UnsafePointer(handle.classNames)
        let stored = CRefinements(config.samplingDefaults)
        (desc.default_spacing, desc.default_guidance_interval_low, desc.default_guidance_interval_high, desc.default_guidance_rescale) =
            (stored.spacing, stored.intervalLow, stored.intervalHigh, stored.rescale)
        desc.default_autoguidance = stored.autoguidance
        desc.has_guide = handle.model.guide == nil ? 0 : 1
        VersionedStruct.write(desc, to: UnsafeMutableRawPointer(outDesc), callerSize: descSize)
    }
}

/// The library's defaults for ld_sample_params (struct_size set by the caller's init).
var sampleParamsDefaults: ld_sample_params {
    var defaults = ld_sample_params()
    defaults.struct_size = MemoryLayout<ld_sample_params>.size
    defaults.sampler = Int32(LD_SAMPLER_DPM_SOLVER.rawValue)
    defaults.steps = 20
    defaults.eta = 0
    defaults.guidance = 1
    defaults.seed = 0
    defaults.labels = nil
    defaults.threads = 0
    defaults.progress = nil
    defaults.user_data = nil
    defaults.first_index = 0
    defaults.init_noise = nil
    defaults.init_image = nil
    defaults.mask = nil
    defaults.strength = 1
    defaults.padding = 0
    defaults.spacing = Int32(LD_SPACING_DEFAULT.rawValue)
    defaults.guidance_interval_low = 0
    defaults.guidance_interval_high = 0
    defaults.guidance_rescale = 0
    defaults.autoguidance = 0
    defaults.padding2 = 0
    return defaults
}

/// The 0.1.0 ld_sample_params: every field up to first_index.
let sampleParamsMinimum = MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.init_noise)!

@c public func ld_sample_params_init_sized(_ params: UnsafeMutablePointer<ld_sample_params>?, _ size: Int) -> Int32 {
    initVersioned(params, size: size, minimum: sampleParamsMinimum, name: "ld_sample_params",
                  defaults: sampleParamsDefaults, sizeField: \.struct_size)
}

/// Fills a caller's versioned struct of `size` bytes with `defaults`, its `sizeField` set to
/// `size`: the function behind every `ld_*_params_init` (`function` names it in messages, default
/// `name`_init).
func initVersioned<T>(_ pointer: UnsafeMutablePointer<T>?, size: Int, minimum: Int, name: String, defaults: T,
                      sizeField: WritableKeyPath<T, Int>, function: String? = nil) -> Int32 {
    withStatus(function ?? name + "_init") { () throws(LatentDiffError) in
        let pointer = try required(pointer, "params")
        try VersionedStruct.checkSize(size, minimum: minimum, name: name, what: "the size of *params")
        var value = defaults
        value[keyPath: sizeField] = size
        VersionedStruct.write(value, to: UnsafeMutableRawPointer(pointer), callerSize: size)
    }
}

/// The library's defaults for ld_codec_params.
var codecParamsDefaults: ld_codec_params {
    var defaults = ld_codec_params()
    defaults.struct_size = MemoryLayout<ld_codec_params>.size
    defaults.threads = 0
    defaults.progress = nil
    defaults.user_data = nil
    return defaults
}

/// The first ld_codec_params (0.2.0): the whole struct.
let codecParamsMinimum = MemoryLayout<ld_codec_params>.size

@c public func ld_codec_params_init_sized(_ params: UnsafeMutablePointer<ld_codec_params>?, _ size: Int) -> Int32 {
    initVersioned(params, size: size, minimum: codecParamsMinimum, name: "ld_codec_params",
                  defaults: codecParamsDefaults, sizeField: \.struct_size)
}

/// A progress callback from C: `report` calls it; a nonzero return cancels.
struct Progress {
    let callback: ld_progress_fn?
    let userData: UnsafeMutableRawPointer?

    func report(_ done: Int, _ total: Int) -> Bool {
        guard let callback else { return true }
        return callback(Int32(done), Int32(total), userData) == 0
    }
}

/// The sampling request a C caller made, checked.
struct SampleRequest {
    let settings: SamplerSettings
    let seed: UInt64
    let labels: [Int]
    let threads: Int
    let firstIndex: Int
    let progress: Progress
    /// init_image, strength and mask (nil: plain generation).
    let edit: ImageEdit?
    /// init_noise (nil: keyed noise).
    let noise: [Float]?

    init(_ params: UnsafePointer<ld_sample_params>?, count: Int32, model: DiffusionModel) throws(LatentDiffError) {
        let pointer = try required(params, "params")
        let params = try VersionedStruct.read(
            UnsafeRawPointer(pointer), callerSize: UnsafeRawPointer(pointer).load(as: Int.self), minimum: sampleParamsMinimum,
            defaults: sampleParamsDefaults, name: "ld_sample_params", what: "params->struct_size")
        guard (1...maxCount).contains(count) else { throw .invalidArgument("count must be in 1...\(maxCount), not \(count)") }
        settings = try Self.samplerSettings(params)
        try settings.validate(timesteps: model.config.timesteps)
        // A nonzero weight needs the file's guide denoiser: refused here, before any work.
        _ = try model.guideFunction(for: settings)
        if let pointer = params.labels {
            labels = (0..<Int(count)).map { Int(pointer[$0]) }
            if let bad = labels.first(where: { $0 < -1 || $0 >= model.classCount }) {
                throw .invalidArgument(model.classCount == 0
                    ? "labels given to an unconditional model (label \(bad)); pass NULL"
                    : "label \(bad) is out of range: the model has \(model.classCount) classes (-1 = none)")
            }
        } else {
            labels = [Int](repeating: -1, count: Int(count))
        }
        threads = try Threads.forCall(params.threads)
        guard params.first_index >= 0, params.first_index <= Int64(Int32.max) else {
            throw .invalidArgument("first_index must be in 0...\(Int32.max)")
        }
        firstIndex = Int(params.first_index)
        seed = params.seed
        progress = Progress(callback: params.progress, userData: params.user_data)
        (edit, noise) = try Self.editFields(params, count: Int(count), model: model)
    }
}

extension SampleRequest {
    /// The sampler, steps, spacing, eta, guidance and autoguidance fields (unchecked ranges:
    /// `validate` checks them), the values that have no SamplerSettings refused here: an unknown
    /// sampler or spacing, a guidance interval that is no band. `padding` and `padding2` are not read.
    static func samplerSettings(_ params: ld_sample_params) throws(LatentDiffError) -> SamplerSettings {
        guard let kind = samplerKinds[params.sampler] else { throw .invalidArgument("unknown sampler \(params.sampler)") }
        guard params.spacing == Int32(LD_SPACING_DEFAULT.rawValue) || spacingKinds[params.spacing] != nil else {
            throw .invalidArgument("unknown spacing \(params.spacing): an ld_spacing is 0...\(spacingNames.count - 1)")
        }
        var settings = SamplerSettings(kind: kind, steps: Int(params.steps), spacing: spacingKinds[params.spacing],
                                       eta: params.eta, guidance: params.guidance)
        // high = low = 0: every step guided (no band).
        let (low, high) = (params.guidance_interval_low, params.guidance_interval_high)
        if low != 0 || high != 0 { settings.guidanceInterval = try SamplerSettings.guidanceBand(low: Double(low), high: Double(high)) }
        settings.guidanceRescale = params.guidance_rescale
        settings.autoguidance = params.autoguidance
        return settings
    }
}

/// The ld_codec_params a C caller passed (NULL = the defaults), checked.
struct CodecRequest {
    let threads: Int
    let progress: Progress

    init(_ params: UnsafePointer<ld_codec_params>?) throws(LatentDiffError) {
        var value = codecParamsDefaults
        if let pointer = params {
            value = try VersionedStruct.read(
                UnsafeRawPointer(pointer), callerSize: UnsafeRawPointer(pointer).load(as: Int.self), minimum: codecParamsMinimum,
                defaults: codecParamsDefaults, name: "ld_codec_params", what: "params->struct_size")
        }
        threads = try Threads.forCall(value.threads)
        progress = Progress(callback: value.progress, userData: value.user_data)
    }
}

@c public func ld_sample_latents(
    _ model: OpaquePointer?, _ params: UnsafePointer<ld_sample_params>?, _ count: Int32,
    _ outLatents: UnsafeMutablePointer<Float>?, _ outSize: Int
) -> Int32 {
    withStatus("ld_sample_latents") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let request = try SampleRequest(params, count: count, model: model)
        let out = try required(outLatents, "out_latents")
        try checkCapacity(outSize, needed: Int(count) * model.latentCount * 4, name: "out_latents",
                          what: "\(count) latents of \(model.latentCount) floats")
        let latents = try Parallel.withThreadLimit(request.threads) { () throws(LatentDiffError) in
            try model.sampleLatents(
                settings: request.settings, seed: request.seed, labels: request.labels, firstIndex: request.firstIndex,
                threads: request.threads, edit: request.edit, noise: request.noise, progress: request.progress.report)
        }
        out.update(from: latents, count: latents.count)
    }
}

@c public func ld_decode(
    _ model: OpaquePointer?, _ params: UnsafePointer<ld_codec_params>?, _ latents: UnsafePointer<Float>?, _ count: Int32,
    _ outPixels: UnsafeMutablePointer<UInt8>?, _ outSize: Int
) -> Int32 {
    withStatus("ld_decode") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let request = try CodecRequest(params)
        let latents = try required(latents, "latents")
        let out = try required(outPixels, "out_pixels")
        guard (1...maxCount).contains(count) else { throw .invalidArgument("count must be in 1...\(maxCount), not \(count)") }
        let imageBytes = model.config.codec.imageCount
        try checkCapacity(outSize, needed: Int(count) * imageBytes, name: "out_pixels", what: "\(count) images of \(imageBytes) bytes")
        let values = Array(UnsafeBufferPointer(start: latents, count: Int(count) * model.latentCount))
        let images = try Parallel.withThreadLimit(request.threads) { () throws(LatentDiffError) in
            try model.decode(values, threads: request.threads, progress: request.progress.report)
        }
        let pixels = ImageConversion.pixels(from: images)
        out.update(from: pixels, count: pixels.count)
    }
}

@c public func ld_encode(
    _ model: OpaquePointer?, _ params: UnsafePointer<ld_codec_params>?, _ pixels: UnsafePointer<UInt8>?, _ count: Int32,
    _ outLatents: UnsafeMutablePointer<Float>?, _ outSize: Int
) -> Int32 {
    withStatus("ld_encode") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let request = try CodecRequest(params)
        let pixels = try required(pixels, "pixels")
        let out = try required(outLatents, "out_latents")
        guard (1...maxCount).contains(count) else { throw .invalidArgument("count must be in 1...\(maxCount), not \(count)") }
        try checkCapacity(outSize, needed: Int(count) * model.latentCount * 4, name: "out_latents",
                          what: "\(count) latents of \(model.latentCount) floats")
        let shape = model.imageShape
        let latents = try Parallel.withThreadLimit(request.threads) { () throws(LatentDiffError) in
            let images = ImageConversion.images(from: pixels, count: Int(count), channels: shape[0], height: shape[1], width: shape[2])
            return try model.encode(images, threads: request.threads, progress: request.progress.report)
        }
        out.update(from: latents, count: latents.count)
    }
}

@c public func ld_generate(
    _ model: OpaquePointer?, _ params: UnsafePointer<ld_sample_params>?, _ count: Int32,
    _ outPixels: UnsafeMutablePointer<UInt8>?, _ outSize: Int
) -> Int32 {
    withStatus("ld_generate") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let request = try SampleRequest(params, count: count, model: model)
        let out = try required(outPixels, "out_pixels")
        let imageBytes = model.config.codec.imageCount
        try checkCapacity(outSize, needed: Int(count) * imageBytes, name: "out_pixels", what: "\(count) images of \(imageBytes) bytes")
        let generation = try Parallel.withThreadLimit(request.threads) { () throws(LatentDiffError) in
            try Generation(
                model: model, settings: request.settings, seed: request.seed, labels: request.labels,
                firstIndex: request.firstIndex, threads: request.threads, edit: request.edit, noise: request.noise,
                progress: request.progress.report)
        }
        out.update(from: generation.pixels, count: generation.pixels.count)
    }
}

/// The ld_sampler value of `kind`.
func samplerValue(_ kind: SamplerSettings.Kind) -> Int32 {
    samplerKinds.first { $0.value == kind }!.key
}

/// The header's ld_sampler values.
let samplerKinds: [Int32: SamplerSettings.Kind] = [
    Int32(LD_SAMPLER_DPM_SOLVER.rawValue): .dpmSolver, Int32(LD_SAMPLER_DDIM.rawValue): .ddim,
    Int32(LD_SAMPLER_DDPM.rawValue): .ddpm, Int32(LD_SAMPLER_EULER.rawValue): .euler,
    Int32(LD_SAMPLER_EULER_ANCESTRAL.rawValue): .eulerAncestral, Int32(LD_SAMPLER_HEUN.rawValue): .heun,
    Int32(LD_SAMPLER_DPM_SOLVER_3M.rawValue): .dpmSolver3M,
]

/// The header's ld_spacing values but LD_SPACING_DEFAULT (the sampler's own, nil), by their names.
let spacingKinds: [Int32: NoiseSchedule.Spacing] = Dictionary(uniqueKeysWithValues: spacingNames.indices.dropFirst().compactMap { index in
    NoiseSchedule.Spacing(rawValue: spacingNames[index].description).map { (Int32(index), $0) }
})

/// A model's stored spacing, guidance band, rescale and autoguidance weight as the C fields hold
/// them: the band [0, 0] (guidance at every step), rescale 0 and weight 0 when it stores none.
struct CRefinements {
    var spacing: Int32
    var intervalLow: Float = 0
    var intervalHigh: Float = 0
    var rescale: Float
    var autoguidance: Float

    init(_ stored: SamplingDefaults) {
        spacing = spacingValue(stored.spacing)
        if let band = stored.guidanceInterval { (intervalLow, intervalHigh) = (Float(band.lowerBound), Float(band.upperBound)) }
        rescale = stored.guidanceRescale
        autoguidance = stored.autoguidance
    }
}

/// The ld_spacing value of `spacing` (nil: LD_SPACING_DEFAULT).
func spacingValue(_ spacing: NoiseSchedule.Spacing?) -> Int32 {
    spacingKinds.first { $0.value == spacing }?.key ?? Int32(LD_SPACING_DEFAULT.rawValue)
}
