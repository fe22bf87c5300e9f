import LatentDiffKernels
import LatentDiffNN

/// An edit of the caller's images (img2img and inpainting): sample k starts from image k, encoded
/// and re-noised by `strength` (SDEdit, `Sampler.sample(start:)`); with masks, only the masked
/// part is regenerated and the rest pasted back (`InpaintMask`).
public struct ImageEdit: Sendable {
    /// `count` images (count, H, W, C), 8-bit, as decoding returns them.
    public let pixels: [UInt8]
    /// How much of each image to redraw, in [0, 1]: 0 = the image, 1 = only its known part kept.
    public let strength: Double
    /// `count` masks (count, H, W): 255 = regenerate, 0 = keep, between = partly; nil = the whole image.
    public let masks: [UInt8]?

    public init(pixels: [UInt8], strength: Double, masks: [UInt8]? = nil) {
        (self.pixels, self.strength, self.masks) = (pixels, strength, masks)
    }

    /// The sampler's start (latents in codec units, strength) and latent masks for `count`
    /// samples of `model`, checked: sizes, a strength in [0, 1], masks only for spatial latents.
    /// Strength 1 without masks never uses the start (plain generation): nothing is encoded.
    public func prepared(model: DiffusionModel, count: Int, threads: Int) throws(LatentDiffError)
        -> (start: (latents: [Float], strength: Double)?, mask: [Float]?) {
        let shape = model.imageShape, imageBytes = model.config.codec.imageCount
        guard strength.isFinite, (0...1).contains(strength) else {
            throw .invalidArgument("strength must be in [0, 1], not \(strength)")
        }
        guard pixels.count == count * imageBytes else {
            throw .invalidArgument("\(pixels.count) bytes of starting images are not \(count) images of \(imageBytes) bytes")
        }
        let mask = try masks.map { masks throws(LatentDiffError) in
            try InpaintMask.latentMasks(masks, count: count, height: shape[1], width: shape[2], latentShape: model.latentShape)
        }
        guard strength < 1 || mask != nil else { return (nil, nil) }
        let images = pixels.withUnsafeBufferPointer { buffer in
            ImageConversion.images(from: buffer.baseAddress!, count: count, channels: shape[0], height: shape[1], width: shape[2])
        }
        return ((try model.encode(images, threads: threads), strength), mask)
    }

    /// The generated pixels with the kept part of the originals pasted back (unchanged without masks).
    public func pastedBack(_ generated: [UInt8], model: DiffusionModel) -> [UInt8] {
        guard let masks else { return generated }
        let shape = model.imageShape
        return InpaintMask.pasteBack(generated: generated, original: pixels, masks: masks, count: pixels.count / model.config.codec.imageCount,
                                     height: shape[1], width: shape[2], channels: shape[0])
    }
}

extension DiffusionModel {
    /// `sampleLatents` for an edit (nil = plain generation): its images encoded as the starts, its
    /// masks brought to the latent grid; `noise` as `sampleLatents(noise:)`.
    public func sampleLatents(
        settings: SamplerSettings, seed: UInt64, labels: [Int], firstIndex: Int = 0, threads: Int = 1,
        edit: ImageEdit?, noise: [Float]? = nil, progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) -> [Float] {
        let prepared = try edit?.prepared(model: self, count: labels.count, threads: threads)
        return try sampleLatents(settings: settings, seed: seed, labels: labels, firstIndex: firstIndex, threads: threads,
                                 start: prepared?.start ?? nil, noise: noise, mask: prepared?.mask, progress: progress)
    }
}
