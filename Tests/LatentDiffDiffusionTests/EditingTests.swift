import Testing
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN
@testable import LatentDiffDiffusion

/// A model of 8x8 gray images over the identity codec (pixel-space diffusion) with a randomly
/// initialized U-Net: its samples are noise, but every editing path runs through it.
func identityModel() throws -> DiffusionModel {
    let codec = CodecConfig(kind: .identity, imageShape: [1, 8, 8])
    let denoiser = DenoiserConfig(kind: .unet, inputShape: [1, 8, 8], widths: [16, 32], blocks: 1, attention: false)
    let store = ParameterStore(seed: 5, requiresGrad: false)
    _ = try makeCodec(codec, store: store)
    _ = try makeDenoiser(denoiser, store: store)
    let config = ModelConfig(dataset: "test", codec: codec, denoiser: denoiser)
    return try DiffusionModel(file: ModelFile(config: config, tensors: namedTensors(store)))
}

/// An 8x8 gray test image per sample (a gradient shifted by k) and a square mask over (2..5, 3..6).
func testImages(count: Int) -> (pixels: [UInt8], masks: [UInt8]) {
    var pixels = [UInt8](), masks = [UInt8]()
    for k in 0..<count {
        for y in 0..<8 {
            for x in 0..<8 {
                pixels.append(UInt8((x * 30 + y * 5 + k * 17) % 256))
                masks.append((2...5).contains(y) && (3...6).contains(x) ? 255 : 0)
            }
        }
    }
    return (pixels, masks)
}

@Suite struct EditingTests {
    let schedule = try! NoiseSchedule(kind: .linear)

    /// Passing the keyed x_T as the caller's noise changes no bit, stochastic samplers included;
    /// other noise changes the samples.
    @Test func initialNoiseReproducesPlainSampling() throws {
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 0.5) { Double($0) }
        let labels = [0, 1, -1], shape = [2, 3]
        let noise = Sampler.initialNoise(seed: 4, firstIndex: 5, count: 3, size: 6)
        for kind in SamplerSettings.Kind.allCases {
            let settings = SamplerSettings(kind: kind, steps: 8, eta: 1)
            let plain = try sampler.sample(settings: settings, seed: 4, labels: labels, latentShape: shape, firstIndex: 5, model: model)
            let given = try sampler.sample(settings: settings, seed: 4, labels: labels, latentShape: shape, firstIndex: 5,
                                           noise: noise, model: model)
            #expect(given == plain, "\(kind)")
            let other = try sampler.sample(settings: settings, seed: 4, labels: labels, latentShape: shape, firstIndex: 5,
                                           noise: noise.map { -$0 }, model: model)
            #expect(other != plain, "\(kind)")
        }
        #expect(throws: LatentDiffError.self) {
            try sampler.sample(settings: SamplerSettings(), seed: 4, labels: labels, latentShape: shape,
                               noise: [Float](repeating: .nan, count: 18), model: model)
        }
        #expect(throws: LatentDiffError.self) {
            try sampler.sample(settings: SamplerSettings(), seed: 4, labels: labels, latentShape: shape,
                               noise: Array(noise.dropLast()), model: model)
        }
    }

    /// Where the mask is 0 the result is the start exactly; where it is 1 it is sampled (and an
    /// all-ones mask is plain SDEdit, bit for bit). A mask needs a start and weights in [0, 1].
    @Test func maskKeepsTheStartWhereZero() throws {
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 0.5) { _ in 1.5 }
        let labels = [-1, -1], shape = [4, 4]
        let start = (0..<32).map { Float($0) / 10 - 1 }
        let mask = (0..<32).map { Float($0 % 3 == 0 ? 1 : 0) }
        for kind in [SamplerSettings.Kind.dpmSolver, .ddpm, .eulerAncestral, .heun, .dpmSolver3M] {
            let settings = SamplerSettings(kind: kind, steps: 10)
            for strength in [1.0, 0.6] {
                let out = try sampler.sample(settings: settings, seed: 2, labels: labels, latentShape: shape,
                                             start: (start, strength), mask: mask, model: model)
                for i in 0..<32 where mask[i] == 0 { #expect(out[i] == start[i], "\(kind) \(strength): value \(i)") }
                #expect((0..<32).filter { mask[$0] == 1 }.allSatisfy { out[$0] != start[$0] }, "\(kind): masked values sampled")
                let unmasked = try sampler.sample(settings: settings, seed: 2, labels: labels, latentShape: shape,
                                                  start: (start, strength), mask: [Float](repeating: 1, count: 32), model: model)
                let plain = try sampler.sample(settings: settings, seed: 2, labels: labels, latentShape: shape,
                                               start: (start, strength), model: model)
                #expect(unmasked == plain, "\(kind) \(strength): an all-ones mask")
            }
        }
        #expect(throws: LatentDiffError.self) {
            try sampler.sample(settings: SamplerSettings(), seed: 2, labels: labels, latentShape: shape, mask: mask, model: model)
        }
        #expect(throws: LatentDiffError.self) {
            try sampler.sample(settings: SamplerSettings(), seed: 2, labels: labels, latentShape: shape,
                               start: (start, 1), mask: mask.map { $0 * 2 }, model: model)
        }
    }

    /// Area-averaged footprints: 28 -> 7 cells of 4 pixels; 5 -> 3 cells overlapping where a
    /// pixel straddles two cells.
    @Test func latentMasksCoverTheirFootprints() throws {
        #expect(InpaintMask.footprints(pixels: 28, cells: 7) == (0..<7).map { (4 * $0)..<(4 * $0 + 4) })
        #expect(InpaintMask.footprints(pixels: 5, cells: 3) == [0..<2, 1..<4, 3..<5])
        var mask = [UInt8](repeating: 0, count: 28 * 28)
        mask[9 * 28 + 13] = 1  // row 9, column 13: cell (2, 3)
        let latent = try InpaintMask.latentMasks(mask, count: 1, height: 28, width: 28, latentShape: [2, 7, 7])
        #expect(latent.count == 98)
        for c in 0..<2 {
            for i in 0..<7 {
                for j in 0..<7 { #expect(latent[(c * 7 + i) * 7 + j] == ((i, j) == (2, 3) ? 1 : 0)) }
            }
        }
        #expect { try InpaintMask.latentMasks(mask, count: 1, height: 28, width: 28, latentShape: [2]) } throws: {
            ($0 as? LatentDiffError)?.status == .unsupported
        }
        #expect(throws: LatentDiffError.self) {
            try InpaintMask.latentMasks(Array(mask.dropLast()), count: 1, height: 28, width: 28, latentShape: [2, 7, 7])
        }
    }

    /// Every pixel the mask keeps (0) is the original exactly, the mask's interior is the
    /// generated image, gray is partial, and the mask's edge is in between.
    @Test func pasteBackFeathersTheEdge() {
        let (h, w) = (12, 12)
        var mask = [UInt8](repeating: 0, count: h * w)
        for y in 2..<9 { for x in 2..<10 { mask[y * w + x] = 255 } }
        mask[0] = 128  // a lone gray pixel in a corner
        let original = (0..<(h * w * 3)).map { UInt8($0 % 200) }, generated = original.map { 255 - $0 }
        let out = InpaintMask.pasteBack(generated: generated, original: original, masks: mask, count: 1, height: h,
                                        width: w, channels: 3, radius: 2)
        for y in 0..<h {
            for x in 0..<w {
                let near = (max(0, y - 2)...min(h - 1, y + 2)).contains { v in
                    (max(0, x - 2)...min(w - 1, x + 2)).contains { u in mask[v * w + u] > 0 } }
                for c in 0..<3 {
                    let i = (y * w + x) * 3 + c
                    if !near { #expect(out[i] == original[i], "(\(y), \(x))") }
                    if mask[y * w + x] == 0 { #expect(out[i] == original[i], "kept (\(y), \(x))") }
                    if (4...6).contains(y) && (4...7).contains(x) {  // the whole 5x5 window masked
                        #expect(out[i] == generated[i], "interior (\(y), \(x))")
                    }
                }
            }
        }
        let corner = Float(128 + 255) / 255 / 9  // the corner's clipped 3x3 window: the gray pixel and (2, 2)
        let expected = (Float(original[0]) + corner * (Float(generated[0]) - Float(original[0]))).rounded()
        #expect(out[0] == UInt8(expected))
        let edge = (2 * w + 2) * 3  // a corner of the square: weight 9 / 25
        #expect(out[edge] != original[edge] && out[edge] != generated[edge])
    }

    /// Pixel-space diffusion (identity codec): kept pixels survive sampling within 1/255 before
    /// any pasting, masked ones are redrawn; strength 0 returns the input; strength 1 without a
    /// mask is plain generation bit for bit.
    @Test func identityCodecInpaints() throws {
        let model = try identityModel()
        let (pixels, masks) = testImages(count: 2)
        let settings = SamplerSettings(kind: .dpmSolver, steps: 6)
        let latents = try model.sampleLatents(settings: settings, seed: 3, labels: [-1, -1],
                                              edit: ImageEdit(pixels: pixels, strength: 1, masks: masks))
        let decoded = ImageConversion.pixels(from: try model.decode(latents, threads: 1))
        var redrawn = 0
        for i in pixels.indices {
            if masks[i] == 0 { #expect(abs(Int(decoded[i]) - Int(pixels[i])) <= 1, "pixel \(i)") }
            else if decoded[i] != pixels[i] { redrawn += 1 }
        }
        #expect(redrawn >= 28, "the 2 x 16 masked pixels are redrawn: \(redrawn) changed")
        let none = try Generation(model: model, settings: settings, seed: 3, labels: [-1, -1], threads: 1,
                                  edit: ImageEdit(pixels: pixels, strength: 0))
        #expect(none.pixels == pixels)
        let full = try Generation(model: model, settings: settings, seed: 3, labels: [-1, -1], threads: 1,
                                  edit: ImageEdit(pixels: pixels, strength: 1))
        let plain = try Generation(model: model, settings: settings, seed: 3, labels: [-1, -1], threads: 1)
        #expect(full.pixels == plain.pixels && full.latents == plain.latents)
        let noise = model.initialNoise(seed: 3, count: 2)
        let given = try Generation(model: model, settings: settings, seed: 3, labels: [-1, -1], threads: 1, noise: noise)
        #expect(given.pixels == plain.pixels)
    }

    @Test func editsAreChecked() throws {
        let model = try identityModel()
        let (pixels, masks) = testImages(count: 1)
        for edit in [ImageEdit(pixels: pixels, strength: 1.5), ImageEdit(pixels: pixels, strength: .nan),
                     ImageEdit(pixels: Array(pixels.dropLast()), strength: 0.5),
                     ImageEdit(pixels: pixels, strength: 0.5, masks: Array(masks.dropLast()))] {
            #expect { try model.sampleLatents(settings: SamplerSettings(steps: 2), seed: 1, labels: [-1], edit: edit) } throws: {
                ($0 as? LatentDiffError)?.status == .invalidArgument
            }
        }
    }
}
