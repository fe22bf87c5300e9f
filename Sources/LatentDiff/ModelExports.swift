import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffKernels
import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

/// The most images one call makes or reads.
let maxCount: Int32 = 65536

@c public func ld_model_load(_ path: UnsafePointer<CChar>?, _ outModel: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withStatus("ld_model_load") { () throws(LatentDiffError) in
        let path = String(cString: try required(path, "path"))
        let outModel = try required(outModel, "out_model")
        let handle = try ModelHandle(model: try DiffusionModel.load(path: path))
        outModel.pointee = handle.retainedPointer()
    }
}

@c public func ld_model_free(_ model: OpaquePointer?) {
    ModelHandle.release(model)
}

@c public func ld_model_info(_ model: OpaquePointer?, _ outDesc: UnsafeMutablePointer<ld_model_desc>?) -> Int32 {
    withStatus("ld_model_info") { () throws(LatentDiffError) in
        let handle = try ModelHandle.from(model)
        let outDesc = try required(outDesc, "out_desc")
        guard outDesc.pointee.struct_size >= MemoryLayout<ld_model_desc>.size else {
            throw .invalidArgument("out_desc->struct_size is \(outDesc.pointee.struct_size); set it to sizeof(ld_model_desc)")
        }
        let config = handle.model.config
        var desc = ld_model_desc()
        desc.struct_size = outDesc.pointee.struct_size
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
        outDesc.pointee = desc
    }
}

@c public func ld_sample_params_init(_ params: UnsafeMutablePointer<ld_sample_params>?) {
    guard let params else { return }
    var defaults = ld_sample_params()
    defaults.struct_size = MemoryLayout<ld_sample_params>.size
    defaults.sampler = Int32(LD_SAMPLER_DPM_SOLVER)
    defaults.steps = 20
    defaults.eta = 0
    defaults.guidance = 1
    defaults.seed = 0
    defaults.labels = nil
    defaults.threads = 0
    defaults.progress = nil
    defaults.user_data = nil
    defaults.first_index = 0
    params.pointee = defaults
}

/// The sampling request a C caller made, checked.
struct SampleRequest {
    let settings: SamplerSettings
    let seed: UInt64
    let labels: [Int]
    let threads: Int
    let firstIndex: Int
    let progress: ld_progress_fn?
    let userData: UnsafeMutableRawPointer?

    init(_ params: UnsafePointer<ld_sample_params>?, count: Int32, model: DiffusionModel) throws(LatentDiffError) {
        let params = try required(params, "params").pointee
        guard params.struct_size >= MemoryLayout<ld_sample_params>.size else {
            throw .invalidArgument("params->struct_size is \(params.struct_size); fill params with ld_sample_params_init")
        }
        guard (1...maxCount).contains(count) else { throw .invalidArgument("count must be in 1...\(maxCount), not \(count)") }
        guard let kind = samplerKinds[params.sampler] else { throw .invalidArgument("unknown sampler \(params.sampler)") }
        settings = SamplerSettings(kind: kind, steps: Int(params.steps), eta: params.eta, guidance: params.guidance)
        try settings.validate(timesteps: model.config.timesteps)
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
        guard (0...1024).contains(params.threads) else { throw .invalidArgument("threads must be in 0...1024, not \(params.threads)") }
        threads = params.threads == 0 ? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) : Int(params.threads)
        guard params.first_index >= 0, params.first_index <= Int64(Int32.max) else {
            throw .invalidArgument("first_index must be in 0...\(Int32.max)")
        }
        firstIndex = Int(params.first_index)
        seed = params.seed
        progress = params.progress
        userData = params.user_data
    }

    /// Progress for the sampler: calls the C callback; a nonzero return cancels.
    func report(_ done: Int, _ total: Int) -> Bool {
        guard let progress else { return true }
        return progress(Int32(done), Int32(total), userData) == 0
    }
}

@c public func ld_sample_latents(
    _ model: OpaquePointer?, _ params: UnsafePointer<ld_sample_params>?, _ count: Int32, _ outLatents: UnsafeMutablePointer<Float>?
) -> Int32 {
    withStatus("ld_sample_latents") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let request = try SampleRequest(params, count: count, model: model)
        let out = try required(outLatents, "out_latents")
        let latents = try model.sampleLatents(
            settings: request.settings, seed: request.seed, labels: request.labels, firstIndex: request.firstIndex,
            threads: request.threads, progress: request.report)
        out.update(from: latents, count: latents.count)
    }
}

@c public func ld_decode(
    _ model: OpaquePointer?, _ latents: UnsafePointer<Float>?, _ count: Int32, _ outPixels: UnsafeMutablePointer<UInt8>?
) -> Int32 {
    withStatus("ld_decode") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let latents = try required(latents, "latents")
        let out = try required(outPixels, "out_pixels")
        guard (1...maxCount).contains(count) else { throw .invalidArgument("count must be in 1...\(maxCount), not \(count)") }
        let values = Array(UnsafeBufferPointer(start: latents, count: Int(count) * model.latentCount))
        let pixels = ImageConversion.pixels(from: try model.decode(values, threads: defaultThreads))
        out.update(from: pixels, count: pixels.count)
    }
}

@c public func ld_encode(
    _ model: OpaquePointer?, _ pixels: UnsafePointer<UInt8>?, _ count: Int32, _ outLatents: UnsafeMutablePointer<Float>?
) -> Int32 {
    withStatus("ld_encode") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let pixels = try required(pixels, "pixels")
        let out = try required(outLatents, "out_latents")
        guard (1...maxCount).contains(count) else { throw .invalidArgument("count must be in 1...\(maxCount), not \(count)") }
        let shape = model.imageShape
        let images = ImageConversion.images(from: pixels, count: Int(count), channels: shape[0], height: shape[1], width: shape[2])
        let latents = model.encode(images, threads: defaultThreads)
        out.update(from: latents, count: latents.count)
    }
}

@c public func ld_generate(
    _ model: OpaquePointer?, _ params: UnsafePointer<ld_sample_params>?, _ count: Int32, _ outPixels: UnsafeMutablePointer<UInt8>?
) -> Int32 {
    withStatus("ld_generate") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let request = try SampleRequest(params, count: count, model: model)
        let out = try required(outPixels, "out_pixels")
        let generation = try Generation(
            model: model, settings: request.settings, seed: request.seed, labels: request.labels,
            firstIndex: request.firstIndex, threads: request.threads, progress: request.report)
        out.update(from: generation.pixels, count: generation.pixels.count)
    }
}

/// Threads for decode/encode: one per CPU core.
var defaultThreads: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

/// The header's LD_SAMPLER_* values.
let samplerKinds: [Int32: SamplerSettings.Kind] = [
    Int32(LD_SAMPLER_DPM_SOLVER): .dpmSolver, Int32(LD_SAMPLER_DDIM): .ddim, Int32(LD_SAMPLER_DDPM): .ddpm,
    Int32(LD_SAMPLER_EULER): .euler, Int32(LD_SAMPLER_EULER_ANCESTRAL): .eulerAncestral, Int32(LD_SAMPLER_HEUN): .heun,
    Int32(LD_SAMPLER_DPM_SOLVER_3M): .dpmSolver3M,
]
