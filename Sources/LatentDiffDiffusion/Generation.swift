import LatentDiffDiffusion
import LatentDiffKernels
import LatentDiffNN

/// Samples latents and decodes them: the main job of the library.
public struct Generation {
    /// (count, latentShape...) in codec units.
    public let latents: [Float]
    /// (count, H, W, C) 8-bit pixels.
    public let pixels: [UInt8]

    /// Samples are spread over `threads` threads (see `Sampler`).
    /// With `start`, each image is the start's latent re-noised by `strength` and denoised (img2img).
    public init(
        model: DiffusionModel, settings: SamplerSettings, seed: UInt64, labels: [Int], firstIndex: Int = 0,
        threads: Int, start: (latents: [Float], strength: Double)? = nil, progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) {
        latents = try model.sampleLatents(settings: settings, seed: seed, labels: labels, firstIndex: firstIndex,
                                          threads: threads, start: start, progress: progress)
        pixels = ImageConversion.pixels(from: try model.decode(latents, threads: threads))
    }
}
