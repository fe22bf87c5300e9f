import CLatentDiffABI
import Foundation
import LatentDiffKernels
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

/// The tiny model with a guide denoiser attached and the stored autoguidance weight 1
/// (scripts/make_tiny_model.sh): its codec and denoiser are the tiny model's, bit for bit.
let guidedModelPath: String = tinyModelPath.replacingOccurrences(of: "tiny-mnist.safetensors", with: "tiny-mnist-guided.safetensors")

/// ld_model_load of `path` (the tiny model by default), as C calls it; nil (and an issue) if it fails.
func loadModel(_ path: String = tinyModelPath) -> OpaquePointer? {
    var model: OpaquePointer?
    #expect(LatentDiff.ld_model_load(path, &model) == 0, "\(String(cString: LatentDiff.ld_last_error()))")
    return model
}

/// The model functions called as C calls them.
@Suite struct ModelEntryPointTests {
    @Test func infoDescribesTheModel() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var desc = ld_model_desc()
        #expect(LatentDiff.ld_model_info_sized(model, &desc, MemoryLayout<ld_model_desc>.size) == 0)
        #expect(desc.struct_size == MemoryLayout<ld_model_desc>.size)
        #expect(desc.timesteps == 1000 && desc.image_bytes == 784)
        #expect((desc.image_width, desc.image_height, desc.image_channels) == (28, 28, 1))
        #expect(desc.latent_rank == 3 && desc.latent_size == 4 * 7 * 7 && desc.class_count == 10)
        #expect(String(cString: desc.codec_kind) == "vae-cnn" && String(cString: desc.dataset) == "mnist")
        #expect(String(cString: desc.config_json).contains("\"format_version\":1"))
        #expect(desc.has_guide == 0 && desc.default_autoguidance == 0, "no guide denoiser")
        #expect(LatentDiff.ld_model_info_sized(model, &desc, 8) == -1)
        #expect(CLatentDiffABI.ld_model_info(model, &desc) == LD_OK, "the header's inline wrapper")
    }

    /// The guided fixture: the tiny model plus a guide denoiser and the stored weight 1.
    @Test func infoReportsTheGuideDenoiser() {
        let model = loadModel(guidedModelPath), plain = loadModel()
        defer { LatentDiff.ld_model_free(model); LatentDiff.ld_model_free(plain) }
        var desc = ld_model_desc(), plainDesc = ld_model_desc()
        #expect(LatentDiff.ld_model_info_sized(model, &desc, MemoryLayout<ld_model_desc>.size) == 0)
        #expect(LatentDiff.ld_model_info_sized(plain, &plainDesc, MemoryLayout<ld_model_desc>.size) == 0)
        #expect(desc.has_guide == 1 && desc.default_autoguidance == 1)
        #expect((desc.latent_size, desc.class_count, desc.image_bytes, desc.training_steps)
            == (plainDesc.latent_size, plainDesc.class_count, plainDesc.image_bytes, plainDesc.training_steps))
        #expect(String(cString: desc.config_json).contains("\"guide\":{"))
        // A struct that ends before the autoguidance fields gets none of them.
        let before = MemoryLayout<ld_model_desc>.offset(of: \ld_model_desc.default_autoguidance)!
        #expect(before == MemoryLayout<ld_model_desc>.offset(of: \ld_model_desc.default_guidance_rescale)! + 4)
        #expect(MemoryLayout<ld_model_desc>.offset(of: \ld_model_desc.has_guide)! + 4 == MemoryLayout<ld_model_desc>.size,
                "no tail padding")
        var short = ld_model_desc()
        short.has_guide = 7
        short.default_autoguidance = 7
        #expect(LatentDiff.ld_model_info_sized(model, &short, before) == 0)
        #expect(short.struct_size == before && short.has_guide == 7 && short.default_autoguidance == 7)
    }

    @Test func generateIsReproducibleAndEqualsSamplePlusDecode() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        #expect(params.struct_size == MemoryLayout<ld_sample_params>.size && params.steps == 20 && params.guidance == 1)
        params.steps = 6
        params.seed = 11
        let labels: [Int32] = [0, 1, 2, -1]
        var first = [UInt8](repeating: 0, count: 4 * 784), second = first, decoded = first
        var latents = [Float](repeating: 0, count: 4 * 196)
        labels.withUnsafeBufferPointer { labels in
            params.labels = labels.baseAddress
            params.threads = 1
            #expect(LatentDiff.ld_generate(model, &params, 4, &first, first.count) == 0)
            params.threads = 2
            #expect(LatentDiff.ld_generate(model, &params, 4, &second, second.count) == 0)
            #expect(LatentDiff.ld_sample_latents(model, &params, 4, &latents, latents.count * 4) == 0)
        }
        #expect(first == second, "1 and 2 threads give the same pixels")
        #expect(LatentDiff.ld_decode(model, nil, latents, 4, &decoded, decoded.count) == 0)
        #expect(decoded == first)
        var encoded = [Float](repeating: .nan, count: 4 * 196)
        #expect(LatentDiff.ld_encode(model, nil, decoded, 4, &encoded, encoded.count * 4) == 0)
        #expect(encoded.allSatisfy { $0.isFinite })
    }

    /// Every LD_SAMPLER_* value samples, each to its own latents, and 7 is refused.
    @Test func everySamplerOfTheHeaderSamples() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let samplers = [LD_SAMPLER_DPM_SOLVER, LD_SAMPLER_DDIM, LD_SAMPLER_DDPM, LD_SAMPLER_EULER,
                        LD_SAMPLER_EULER_ANCESTRAL, LD_SAMPLER_HEUN, LD_SAMPLER_DPM_SOLVER_3M].map { Int32($0.rawValue) }
        #expect(samplers == Array(0...6))
        var results: [[Float]] = []
        for sampler in samplers {
            var params = ld_sample_params()
            CLatentDiffABI.ld_sample_params_init(&params)
            (params.sampler, params.steps, params.seed) = (sampler, 4, 3)
            var latents = [Float](repeating: .nan, count: 2 * 196)
            #expect(LatentDiff.ld_sample_latents(model, &params, 2, &latents, 2 * 196 * 4) == 0, "sampler \(sampler)")
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
        CLatentDiffABI.ld_sample_params_init(&params)
        var out = [Float](repeating: 0, count: 196)
        #expect(LatentDiff.ld_sample_latents(nil, &params, 1, &out, 784) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("model is NULL"))
        let loaded = loadModel()
        defer { LatentDiff.ld_model_free(loaded) }
        #expect(LatentDiff.ld_sample_latents(loaded, &params, 0, &out, 784) == -1)
        params.sampler = 7
        #expect(LatentDiff.ld_sample_latents(loaded, &params, 1, &out, 784) == -1)
        LatentDiff.ld_model_free(nil)
    }

    /// Every writer refuses a buffer one byte short, naming the bytes needed, and writes nothing.
    @Test func shortBuffersAreRefused() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        params.steps = 2
        var latents = [Float](repeating: 7, count: 2 * 196), pixels = [UInt8](repeating: 7, count: 2 * 784)
        #expect(LatentDiff.ld_sample_latents(model, &params, 2, &latents, 2 * 196 * 4 - 1) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("need 1568 bytes"))
        #expect(LatentDiff.ld_generate(model, &params, 2, &pixels, 2 * 784 - 1) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("need 1568 bytes"))
        #expect(LatentDiff.ld_decode(model, nil, latents, 2, &pixels, 784) == -1)
        #expect(LatentDiff.ld_encode(model, nil, pixels, 2, &latents, 0) == -1)
        #expect(latents.allSatisfy { $0 == 7 } && pixels.allSatisfy { $0 == 7 }, "nothing written")
    }

    /// Structs of an older size get defaults for what they lack; a newer one is accepted with a
    /// zero tail and refused with a non-zero one.
    @Test func structSizesOlderAndNewer() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let own = MemoryLayout<ld_model_desc>.size
        // An older (0.1.0) ld_model_desc: the bytes past it stay untouched.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: own + 16, alignment: 8)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xAB, count: own + 16)
        let old = MemoryLayout<ld_model_desc>.offset(of: \ld_model_desc.timesteps)!
        #expect(LatentDiff.ld_model_info_sized(model, raw.assumingMemoryBound(to: ld_model_desc.self), old) == 0)
        #expect(raw.load(as: Int.self) == old, "struct_size = the bytes filled")
        #expect((old..<(own + 16)).allSatisfy { raw.load(fromByteOffset: $0, as: UInt8.self) == 0xAB })
        #expect(LatentDiff.ld_model_info_sized(model, raw.assumingMemoryBound(to: ld_model_desc.self), old - 1) == -1)
        // A newer one: the tail is zeroed.
        #expect(LatentDiff.ld_model_info_sized(model, raw.assumingMemoryBound(to: ld_model_desc.self), own + 16) == 0)
        #expect((own..<(own + 16)).allSatisfy { raw.load(fromByteOffset: $0, as: UInt8.self) == 0 })
        #expect(raw.load(fromByteOffset: MemoryLayout<ld_model_desc>.offset(of: \ld_model_desc.timesteps)!, as: Int32.self) == 1000)

        // A newer ld_sample_params: init zeroes the tail; a non-zero tail byte is refused.
        let size = MemoryLayout<ld_sample_params>.size
        let params = UnsafeMutableRawPointer.allocate(byteCount: size + 8, alignment: 8)
        defer { params.deallocate() }
        params.initializeMemory(as: UInt8.self, repeating: 0xCD, count: size + 8)
        let typed = params.assumingMemoryBound(to: ld_sample_params.self)
        #expect(LatentDiff.ld_sample_params_init_sized(typed, size + 8) == 0)
        #expect(typed.pointee.struct_size == size + 8 && typed.pointee.steps == 20)
        typed.pointee.steps = 2
        var latents = [Float](repeating: 0, count: 196), reference = latents
        #expect(LatentDiff.ld_sample_latents(model, typed, 1, &latents, 784) == 0)
        var plain = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&plain)
        plain.steps = 2
        #expect(LatentDiff.ld_sample_latents(model, &plain, 1, &reference, 784) == 0)
        #expect(latents == reference)
        params.storeBytes(of: 1, toByteOffset: size + 3, as: UInt8.self)
        #expect(LatentDiff.ld_sample_latents(model, typed, 1, &latents, 784) == -5)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("offset \(size + 3)"))
        typed.pointee.struct_size = 4
        #expect(LatentDiff.ld_sample_latents(model, typed, 1, &latents, 784) == -1)
        typed.pointee.struct_size = 1 << 40
        #expect(LatentDiff.ld_sample_latents(model, typed, 1, &latents, 784) == -1)
        #expect(LatentDiff.ld_sample_params_init_sized(nil, size) == -1)
        #expect(LatentDiff.ld_sample_params_init_sized(typed, 8) == -1)
    }

    @Test func loadsFromMemoryAsFromAFile() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: tinyModelPath)))
        var model: OpaquePointer?
        #expect(bytes.withUnsafeBytes { LatentDiff.ld_model_load_from_memory($0.baseAddress, $0.count, &model) } == 0)
        let fromFile = loadModel()
        defer { LatentDiff.ld_model_free(model); LatentDiff.ld_model_free(fromFile) }
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        params.steps = 3
        var a = [UInt8](repeating: 0, count: 784), b = a
        #expect(LatentDiff.ld_generate(model, &params, 1, &a, 784) == 0)
        #expect(LatentDiff.ld_generate(fromFile, &params, 1, &b, 784) == 0)
        #expect(a == b)
        // Truncated and damaged buffers: the file loader's errors, none of them a trap.
        var none: OpaquePointer?
        #expect(bytes.withUnsafeBytes { LatentDiff.ld_model_load_from_memory($0.baseAddress, 100, &none) } == -3)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("<memory>"))
        #expect(bytes.withUnsafeBytes { LatentDiff.ld_model_load_from_memory($0.baseAddress, 0, &none) } == -3)
        #expect(LatentDiff.ld_model_load_from_memory(nil, 10, &none) == -1)
        #expect(bytes.withUnsafeBytes { LatentDiff.ld_model_load_from_memory($0.baseAddress, $0.count, nil) } == -1)
        #expect(none == nil)
    }

    /// A call with threads = 1 runs its loops on the calling thread only, and gives the same bits
    /// as threads = 2 (and as the cap of ld_set_max_threads).
    @Test func oneThreadMeansOneThread() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        params.steps = 3
        var one = [UInt8](repeating: 0, count: 4 * 784), two = one
        params.threads = 1
        let single = ThreadLog.record { LatentDiff.ld_generate(model, &params, 4, &one, one.count) }
        #expect(single.result == 0)
        #expect(single.threads == [UInt(pthread_self())], "threads = 1 ran on \(single.threads.count) threads")
        params.threads = 2
        let double = ThreadLog.record { LatentDiff.ld_generate(model, &params, 4, &two, two.count) }
        #expect(double.result == 0 && !double.threads.isEmpty)
        #expect(one == two)
        // The same for decoding and encoding.
        var latents = [Float](repeating: 0, count: 4 * 196)
        #expect(LatentDiff.ld_sample_latents(model, &params, 4, &latents, latents.count * 4) == 0)
        var codec = ld_codec_params()
        CLatentDiffABI.ld_codec_params_init(&codec)
        codec.threads = 1
        let decoded = ThreadLog.record { LatentDiff.ld_decode(model, &codec, latents, 4, &one, one.count) }
        #expect(decoded.result == 0 && decoded.threads == [UInt(pthread_self())])
        var encoded = latents
        let encodedLog = ThreadLog.record { LatentDiff.ld_encode(model, &codec, one, 4, &encoded, encoded.count * 4) }
        #expect(encodedLog.result == 0 && encodedLog.threads == [UInt(pthread_self())])
    }

    /// The kernel-level rule behind it: a loop big enough to split stays on the caller under a
    /// limit of 1, and can fan out without one. (Whether a worker takes a part is up to the
    /// scheduler, and other tests running meanwhile change the process-wide thread count and use
    /// the pool, so the unlimited loop is tried until one run fans out, at most 20 times.)
    @Test func threadLimitReachesTheLoops() {
        let work = { Parallel.forEach(64, workPerItem: Parallel.minimumWorkToSplit) { _ in usleep(2000) } }
        for _ in 0..<5 {
            let limited = ThreadLog.record { Parallel.withThreadLimit(1) { work() } }
            #expect(limited.threads == [UInt(pthread_self())])
        }
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var widest = 0
        for _ in 0..<20 where widest < 2 {
            Parallel.threadCount = 4
            widest = max(widest, ThreadLog.record { work() }.threads.count)
        }
        #expect(widest > 1, "an unlimited loop of 64 x 2 ms items fans out")
    }

    @Test func maxThreadsCapsEveryCall() {
        #expect(LatentDiff.ld_set_max_threads(-1) == -1)
        #expect(LatentDiff.ld_set_max_threads(1025) == -1)
        #expect(LatentDiff.ld_set_max_threads(3) == 0)
        #expect(LatentDiff.ld_max_threads() == 3)
        #expect(try! Threads.forCall(0) == 3 && (try! Threads.forCall(8)) == 3 && (try! Threads.forCall(2)) == 2)
        #expect(LatentDiff.ld_set_max_threads(0) == 0)
        #expect(LatentDiff.ld_max_threads() == Int32(Threads.cores))
    }

    /// ld_decode and ld_encode report progress in images and cancel.
    @Test func decodeProgressAndCancel() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var latents = [Float](repeating: 0.1, count: 70 * 196)
        var pixels = [UInt8](repeating: 9, count: 70 * 784)
        var codec = ld_codec_params()
        CLatentDiffABI.ld_codec_params_init(&codec)
        codec.threads = 1
        var calls: [[Int32]] = []
        codec.progress = { step, total, user in
            user!.assumingMemoryBound(to: [[Int32]].self).pointee.append([step, total])
            return 0
        }
        withUnsafeMutablePointer(to: &calls) { codec.user_data = UnsafeMutableRawPointer($0) }
        #expect(LatentDiff.ld_decode(model, &codec, latents, 70, &pixels, pixels.count) == 0)
        #expect(calls == [[32, 70], [64, 70], [70, 70]], "\(calls)")
        codec.progress = { step, _, _ in step >= 32 ? 1 : 0 }
        var again = [UInt8](repeating: 9, count: 70 * 784)
        #expect(LatentDiff.ld_decode(model, &codec, latents, 70, &again, again.count) == -6)
        #expect(again.allSatisfy { $0 == 9 }, "untouched when cancelled")
        #expect(LatentDiff.ld_encode(model, &codec, pixels, 70, &latents, latents.count * 4) == -6)
    }
}
