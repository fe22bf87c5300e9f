import LatentDiffKernels
import LatentDiffNN

/// Samples latents and decodes them: the main job of the library.
public struct Generation {
    /// (count, latentShape...) in codec units.
    public let latents: [Float]
    /// (count, H, W, C) 8-bit pixels.
    public let pixels: [UInt8]

    /// Samples are spread over `threads` threads (see `Sampler`).
    /// With `edit`, image k is edit image k re-noised by its strength and denoised (img2img), and
    /// with its masks only the masked part is regenerated and the rest pasted back (inpainting).
    /// `noise`: each sample's x_T in the sampler's standardized units (`DiffusionModel.initialNoise`).
    public init(
        model: DiffusionModel, settings: SamplerSettings, seed: UInt64, labels: [Int], firstIndex: Int = 0,
        threads: Int, edit: ImageEdit? = nil, noise: [Float]? = nil, progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) {
        latents = try model.sampleLatents(settings: settings, seed: seed, labels: labels, firstIndex: firstIndex,
                                          threads: threads, edit: edit, noise: noise, progress: progress)
        let decoded = ImageConversion.pixels(from: try model.decode(latents, threads: threads))
        pixels = edit?.pastedBack(decoded, model: model) ?? decoded
    }
}
