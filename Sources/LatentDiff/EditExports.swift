import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffKernels

/// Editing through the C ABI: the caller's noise (ld_sample_noise, ld_sample_params.init_noise) and
/// images to start from (init_image, strength, mask).

@c public func ld_sample_noise(
    _ model: OpaquePointer?, _ seed: UInt64, _ firstIndex: Int64, _ count: Int32,
    _ out: UnsafeMutablePointer<Float>?, _ outSize: Int
) -> Int32 {
    withStatus("ld_sample_noise") { () throws(LatentDiffError) in
        let model = try ModelHandle.from(model).model
        let out = try required(out, "out")
        guard (1...maxCount).contains(count) else { throw .invalidArgument("count must be in 1...\(maxCount), not \(count)") }
        guard firstIndex >= 0, firstIndex <= Int64(Int32.max) else {
            throw .invalidArgument("first_index must be in 0...\(Int32.max), not \(firstIndex)")
        }
        try checkCapacity(outSize, needed: Int(count) * model.latentCount * 4, name: "out",
                          what: "\(count) latents of \(model.latentCount) floats")
        let noise = model.initialNoise(seed: seed, firstIndex: Int(firstIndex), count: Int(count))
        out.update(from: noise, count: noise.count)
    }
}

extension SampleRequest {
    /// The editing fields of `params` for `count` samples, copied and checked: init_image (count
    /// images of image_bytes) with strength in [0, 1] and an optional mask (count masks of H * W
    /// bytes); init_noise (count latents of latent_size floats, finite: checked by the sampler).
    static func editFields(
        _ params: ld_sample_params, count: Int, model: DiffusionModel
    ) throws(LatentDiffError) -> (edit: ImageEdit?, noise: [Float]?) {
        let strength = Double(params.strength)
        guard strength.isFinite, (0...1).contains(strength) else {
            throw .invalidArgument("strength must be in [0, 1], not \(params.strength)")
        }
        let noise = params.init_noise.map { Array(UnsafeBufferPointer(start: $0, count: count * model.latentCount)) }
        guard let image = params.init_image else {
            guard params.mask == nil else { throw .invalidArgument("mask needs init_image (the image to inpaint)") }
            guard strength == 1 else { throw .invalidArgument("strength \(strength) needs init_image (1 without one)") }
            return (nil, noise)
        }
        let shape = model.imageShape
        let pixels = Array(UnsafeBufferPointer(start: image, count: count * model.config.codec.imageCount))
        let masks = params.mask.map { Array(UnsafeBufferPointer(start: $0, count: count * shape[1] * shape[2])) }
        return (ImageEdit(pixels: pixels, strength: strength, masks: masks), noise)
    }
}
