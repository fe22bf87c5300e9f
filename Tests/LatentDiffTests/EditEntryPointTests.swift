import CLatentDiffABI
import Foundation
import LatentDiffKernels
import Testing
@testable import LatentDiff

/// A shipped model file of the repository (models/NAME).
func shippedModelPath(_ name: String) -> String {
    var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)  // Tests/LatentDiffTests/EditEntryPointTests.swift
    return components.joined(separator: "/") + "/models/\(name)"
}

/// Editing through the C entry points: ld_sample_noise, and init_noise, init_image, strength and
/// mask of ld_sample_params, called as C calls them.
@Suite struct EditEntryPointTests {
    static let size = 196, imageBytes = 784

    func params(steps: Int32 = 5, seed: UInt64 = 8) -> ld_sample_params {
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        (params.steps, params.seed, params.threads) = (steps, seed, 1)
        return params
    }

    /// Three generated digits, as starting images.
    func images(_ model: OpaquePointer?) -> [UInt8] {
        var base = params(steps: 6, seed: 1)
        var pixels = [UInt8](repeating: 0, count: 3 * Self.imageBytes)
        #expect(LatentDiff.ld_generate(model, &base, 3, &pixels, pixels.count) == 0)
        return pixels
    }

    @Test func defaultsAndNoiseReproduce() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var defaults = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&defaults)
        #expect(defaults.strength == 1 && defaults.init_noise == nil && defaults.init_image == nil && defaults.mask == nil)
        var noise = [Float](repeating: .nan, count: 3 * Self.size)
        #expect(LatentDiff.ld_sample_noise(model, 8, 4, 3, &noise, noise.count * 4) == 0)
        for sampler in [LD_SAMPLER_DPM_SOLVER, LD_SAMPLER_DDPM, LD_SAMPLER_EULER_ANCESTRAL] {
            var request = params()
            (request.sampler, request.first_index) = (Int32(sampler.rawValue), 4)
            var plain = [Float](repeating: 0, count: 3 * Self.size), given = plain
            #expect(LatentDiff.ld_sample_latents(model, &request, 3, &plain, plain.count * 4) == 0)
            noise.withUnsafeBufferPointer { noise in
                request.init_noise = noise.baseAddress
                #expect(LatentDiff.ld_sample_latents(model, &request, 3, &given, given.count * 4) == 0)
            }
            #expect(given == plain, "sampler \(sampler.rawValue)")
        }
        // Sample 5 of a run from index 4 is sample 1 of a run from index 5: noise is keyed.
        var single = [Float](repeating: 0, count: Self.size)
        #expect(LatentDiff.ld_sample_noise(model, 8, 5, 1, &single, single.count * 4) == 0)
        #expect(single == Array(noise[Self.size..<(2 * Self.size)]))
        #expect(LatentDiff.ld_sample_noise(model, 8, 5, 1, &single, single.count * 4 - 1) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("need 784 bytes"))
        #expect(LatentDiff.ld_sample_noise(model, 8, -1, 1, &single, single.count * 4) == -1)
        #expect(LatentDiff.ld_sample_noise(model, 8, 0, 0, &single, single.count * 4) == -1)
        #expect(LatentDiff.ld_sample_noise(model, 8, 0, 1, nil, single.count * 4) == -1)
        #expect(LatentDiff.ld_sample_noise(nil, 8, 0, 1, &single, single.count * 4) == -1)
    }

    /// Strength 1 is plain generation bit for bit; strength 0 is the input re-decoded (ld_encode
    /// then ld_decode); 0.5 is neither.
    @Test func strengthEnds() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let input = images(model)
        var request = params()
        var plain = [UInt8](repeating: 0, count: input.count), full = plain, none = plain, half = plain, redecoded = plain
        #expect(LatentDiff.ld_generate(model, &request, 3, &plain, plain.count) == 0)
        input.withUnsafeBufferPointer { input in
            request.init_image = input.baseAddress
            #expect(LatentDiff.ld_generate(model, &request, 3, &full, full.count) == 0)
            request.strength = 0
            #expect(LatentDiff.ld_generate(model, &request, 3, &none, none.count) == 0)
            request.strength = 0.5
            #expect(LatentDiff.ld_generate(model, &request, 3, &half, half.count) == 0)
        }
        #expect(full == plain)
        var latents = [Float](repeating: 0, count: 3 * Self.size)
        #expect(LatentDiff.ld_encode(model, nil, input, 3, &latents, latents.count * 4) == 0)
        #expect(LatentDiff.ld_decode(model, nil, latents, 3, &redecoded, redecoded.count) == 0)
        #expect(none == redecoded)
        #expect(half != plain && half != redecoded)
    }

    /// A masked square is redrawn; every pixel outside it keeps its input value.
    @Test func maskKeepsPixels() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let input = images(model)
        var mask = [UInt8](repeating: 0, count: 3 * 784)
        for k in 0..<3 { for y in 8..<20 { for x in 8..<20 { mask[k * 784 + y * 28 + x] = 255 } } }
        var request = params()
        var out = [UInt8](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { input in
            mask.withUnsafeBufferPointer { mask in
                (request.init_image, request.mask) = (input.baseAddress, mask.baseAddress)
                #expect(LatentDiff.ld_generate(model, &request, 3, &out, out.count) == 0)
            }
        }
        var changed = 0
        for k in 0..<3 {
            for y in 0..<28 {
                for x in 0..<28 {
                    let i = k * 784 + y * 28 + x
                    if mask[i] == 0 { #expect(out[i] == input[i], "sample \(k) (\(y), \(x))") }
                    if mask[i] == 255 && out[i] != input[i] { changed += 1 }
                }
            }
        }
        #expect(changed > 100, "the masked squares are redrawn (\(changed) pixels changed)")
    }

    @Test func badEditsAreRefused() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let input = images(model)
        let mask = [UInt8](repeating: 255, count: 3 * 784)
        var out = [UInt8](repeating: 7, count: input.count)
        func expectStatus(_ status: Int32, _ words: String, _ change: (inout ld_sample_params) -> Void) {
            var request = params()
            change(&request)
            #expect(LatentDiff.ld_generate(model, &request, 3, &out, out.count) == status, "\(words)")
            #expect(String(cString: LatentDiff.ld_last_error()).contains(words))
        }
        input.withUnsafeBufferPointer { input in
            mask.withUnsafeBufferPointer { mask in
                expectStatus(-1, "mask needs init_image") { $0.mask = mask.baseAddress }
                expectStatus(-1, "strength must be in [0, 1]") { ($0.init_image, $0.strength) = (input.baseAddress, 1.5) }
                expectStatus(-1, "strength must be in [0, 1]") { ($0.init_image, $0.strength) = (input.baseAddress, .nan) }
                expectStatus(-1, "needs init_image") { $0.strength = 0.5 }
            }
        }
        let nan = [Float](repeating: .nan, count: 3 * Self.size)
        nan.withUnsafeBufferPointer { nan in expectStatus(-1, "finite") { $0.init_noise = nan.baseAddress } }
        #expect(out.allSatisfy { $0 == 7 }, "nothing written")
    }

    /// A vector codec (PCA) edits whole images but refuses masks.
    @Test func vectorCodecRefusesMasks() {
        let model = loadModel(shippedModelPath("pca2d.safetensors"))
        defer { LatentDiff.ld_model_free(model) }
        let input = [UInt8](repeating: 40, count: 784), mask = [UInt8](repeating: 255, count: 784)
        var out = [UInt8](repeating: 0, count: 784)
        var request = params()
        input.withUnsafeBufferPointer { input in
            request.init_image = input.baseAddress
            request.strength = 0.5
            #expect(LatentDiff.ld_generate(model, &request, 1, &out, out.count) == 0)
            mask.withUnsafeBufferPointer { mask in
                request.mask = mask.baseAddress
                #expect(LatentDiff.ld_generate(model, &request, 1, &out, out.count) == -5)
                #expect(String(cString: LatentDiff.ld_last_error()).contains("vector latents"))
            }
        }
    }
}
