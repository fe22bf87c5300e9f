import CLatentDiffABI
import Testing
@testable import LatentDiff

#if canImport(Glibc)
import Glibc
#endif

/// The tiny fixture model (scripts/make_tiny_model.sh).
let tinyModelPath: String = {
    var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(2)  // LatentDiffTests/ModelEntryPointTests.swift
    return components.joined(separator: "/") + "/Fixtures/models/tiny-mnist.safetensors"
}()

/// The model functions called as C calls them.
@Suite struct ModelEntryPointTests {
    func load() -> OpaquePointer? {
        var model: OpaquePointer?
        #expect(LatentDiff.ld_model_load(tinyModelPath, &model) == 0, "\(String(cString: LatentDiff.ld_last_error()))")
        return model
    }

    @Test func infoDescribesTheModel() {
        let model = load()
        defer { LatentDiff.ld_model_free(model) }
        var desc = ld_model_desc()
        desc.struct_size = MemoryLayout<ld_model_desc>.size
        #expect(LatentDiff.ld_model_info(model, &desc) == 0)
        #expect((desc.image_width, desc.image_height, desc.image_channels) == (28, 28, 1))
        #expect(desc.latent_rank == 3 && desc.latent_size == 4 * 7 * 7 && desc.class_count == 10)
        #expect(String(cString: desc.codec_kind) == "vae-cnn" && String(cString: desc.dataset) == "mnist")
        #expect(String(cString: desc.config_json).contains("\"format_version\":1"))
        desc.struct_size = 8
        #expect(LatentDiff.ld_model_info(model, &desc) == -1)
    }

    @Test func generateIsReproducibleAndEqualsSamplePlusDecode() {
        let model = load()
        defer { LatentDiff.ld_model_free(model) }
        var params = ld_sample_params()
        LatentDiff.ld_sample_params_init(&params)
        #expect(params.struct_size == MemoryLayout<ld_sample_params>.size && params.steps == 20 && params.guidance == 1)
        params.steps = 6
        params.seed = 11
        let labels: [Int32] = [0, 1, 2, -1]
        var first = [UInt8](repeating: 0, count: 4 * 784), second = first, decoded = first
        var latents = [Float](repeating: 0, count: 4 * 196)
        labels.withUnsafeBufferPointer { labels in
            params.labels = labels.baseAddress
            params.threads = 1
            #expect(LatentDiff.ld_generate(model, &params, 4, &first) == 0)
            params.threads = 2
            #expect(LatentDiff.ld_generate(model, &params, 4, &second) == 0)
            #expect(LatentDiff.ld_sample_latents(model, &params, 4, &latents) == 0)
        }
        #expect(first == second, "1 and 2 threads give the same pixels")
        #expect(LatentDiff.ld_decode(model, latents, 4, &decoded) == 0)
        #expect(decoded == first)
        var encoded = [Float](repeating: .nan, count: 4 * 196)
        #expect(LatentDiff.ld_encode(model, decoded, 4, &encoded) == 0)
        #expect(encoded.allSatisfy { $0.isFinite })
    }

    /// Every LD_SAMPLER_* value samples, each to its own latents, and 7 is refused.
    @Test func everySamplerOfTheHeaderSamples() {
        let model = load()
        defer { LatentDiff.ld_model_free(model) }
        let samplers = [LD_SAMPLER_DPM_SOLVER, LD_SAMPLER_DDIM, LD_SAMPLER_DDPM, LD_SAMPLER_EULER,
                        LD_SAMPLER_EULER_ANCESTRAL, LD_SAMPLER_HEUN, LD_SAMPLER_DPM_SOLVER_3M].map { Int32($0) }
        #expect(samplers == Array(0...6))
        var results: [[Float]] = []
        for sampler in samplers {
            var params = ld_sample_params()
            LatentDiff.ld_sample_params_init(&params)
            (params.sampler, params.steps, params.seed) = (sampler, 4, 3)
            var latents = [Float](repeating: .nan, count: 2 * 196)
            #expect(LatentDiff.ld_sample_latents(model, &params, 2, &latents) == 0, "sampler \(sampler)")
            #expect(latents.allSatisfy { $0.isFinite }, "sampler \(sampler)")
            results.append(latents)
        }
        #expect(Set(results.map { $0.map { $0.bitPattern } }).count == samplers.count, "each sampler its own latents")
    }

    @Test func badCallsReturnStatusCodes() {
        var model: OpaquePointer?
        #expect(LatentDiff.ld_model_load("/nonexistent.safetensors", &model) == -2)
        #expect(model == nil)
        #expect(LatentDiff.ld_model_load(nil, &model) == -1)
        var params = ld_sample_params()
        LatentDiff.ld_sample_params_init(&params)
        var out = [Float](repeating: 0, count: 196)
        #expect(LatentDiff.ld_sample_latents(nil, &params, 1, &out) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("model is NULL"))
        let loaded = load()
        defer { LatentDiff.ld_model_free(loaded) }
        #expect(LatentDiff.ld_sample_latents(loaded, &params, 0, &out) == -1)
        params.sampler = 7
        #expect(LatentDiff.ld_sample_latents(loaded, &params, 1, &out) == -1)
        LatentDiff.ld_model_free(nil)
    }
}
