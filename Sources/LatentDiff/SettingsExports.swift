import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels

@c public func ld_sample_params_init_for_model_sized(
    _ model: OpaquePointer?, _ params: UnsafeMutablePointer<ld_sample_params>?, _ size: Int
) -> Int32 {
    guard let handle = try? ModelHandle.from(model) else {
        return withStatus("ld_sample_params_init_for_model") { () throws(LatentDiffError) in throw .invalidArgument("model is NULL") }
    }
    let recommended = handle.model.config.samplingDefaults
    var defaults = sampleParamsDefaults
    defaults.sampler = samplerValue(recommended.sampler)
    defaults.steps = Int32(recommended.steps)
    defaults.guidance = recommended.guidance
    let stored = CRefinements(recommended)
    (defaults.spacing, defaults.guidance_interval_low, defaults.guidance_interval_high, defaults.guidance_rescale) =
        (stored.spacing, stored.intervalLow, stored.intervalHigh, stored.rescale)
    defaults.autoguidance = stored.autoguidance
    return initVersioned(params, size: size, minimum: sampleParamsMinimum, name: "ld_sample_params",
                         defaults: defaults, sizeField: \.struct_size, function: "ld_sample_params_init_for_model")
}

@c public func ld_sample_params_json(
    _ model: OpaquePointer?, _ params: UnsafePointer<ld_sample_params>?, _ count: Int32,
    _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    withStatus("ld_sample_params_json") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let request = try SampleRequest(params, count: count, model: model)
        let outJSON = try required(outJSON, "out_json")
        let text = Array(settingsJSON(model: model, request: request, count: Int(count)).utf8) + [0]
        outJSON.pointee = UnsafeMutableRawPointer(try mallocCopy(text)).assumingMemoryBound(to: CChar.self)
    }
}

/// What ld_sample_params_json reports (the header shows the layout). The seed, a UInt64, is
/// written as its exact decimal digits (a JSON number held as a Double would round it above 2^53).
func settingsJSON(model: DiffusionModel, request: SampleRequest, count: Int) -> String {
    let config = model.config, settings = request.settings
    let conditional = request.labels.contains { $0 >= 0 }
    let names = config.classNames
    let head = JSON.object([
        ("library_version", .string(LatentDiffVersion.string)),
        ("model", .object([
            ("dataset", .string(config.dataset)), ("codec", .string(config.codec.kind.rawValue)),
            ("training_steps", .number(Double(config.denoiserSteps))), ("timesteps", .number(Double(config.timesteps))),
        ])),
        ("sampler", .string(settings.kind.rawValue)),
        ("spacing", .string((settings.spacing ?? settings.method.defaultSpacing).rawValue)),
        ("steps", .number(Double(settings.steps))), ("eta", JSON.shortest(settings.eta)), ("guidance", JSON.shortest(settings.guidance)),
        ("guidance_interval", settings.guidanceInterval.map { band in
            .array([JSON.shortest(Float(band.lowerBound)), JSON.shortest(Float(band.upperBound))])
        } ?? .null),
        ("guidance_rescale", JSON.shortest(settings.guidanceRescale)),
    ]).serialized()
    let tail = JSON.object([
        ("first_index", .number(Double(request.firstIndex))),
        ("count", .number(Double(count))),
        ("labels", conditional ? .array(request.labels.map { .number(Double($0)) }) : .null),
        ("class_names", conditional ? .array(request.labels.map { $0 >= 0 && $0 < names.count ? .string(names[$0]) : .null }) : .null),
        ("strength", .number(request.edit?.strength ?? 1)), ("init_image", .bool(request.edit != nil)),
        ("mask", .bool(request.edit?.masks != nil)), ("init_noise", .bool(request.noise != nil)),
        ("autoguidance", JSON.shortest(settings.autoguidance)),
    ]).serialized()
    return head.dropLast() + ",\"seed\":\(request.seed)," + tail.dropFirst()
}
