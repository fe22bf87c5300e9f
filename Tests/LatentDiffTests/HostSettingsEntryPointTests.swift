import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import Testing
@testable import LatentDiff

#if canImport(Glibc)
import Glibc
#endif

/// What hosts need, called as C calls it: a model's recommended settings and class names
/// (ld_model_info, ld_sample_params_init_for_model), the settings as JSON, PNG to memory.
@Suite struct HostSettingsEntryPointTests {
    func info(_ model: OpaquePointer?) -> ld_model_desc {
        var desc = ld_model_desc()
        #expect(CLatentDiffABI.ld_model_info(model, &desc) == LD_OK)
        return desc
    }

    func names(_ desc: ld_model_desc) -> [String]? {
        desc.class_names.map { array in (0..<Int(desc.class_count)).map { String(cString: array[$0]!) } }
    }

    /// A copy of the tiny model with `change` made to its configuration.
    func rewrittenCopy(_ change: (inout ModelConfig) -> Void) throws -> String {
        let path = "/tmp/latentdiff-host-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).safetensors"
        var file = try ModelFile.read(path: tinyModelPath)
        change(&file.config)
        try file.write(path: path)
        return path
    }

    @Test func oldFileGetsStandardDefaultsAndDigitNames() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let desc = info(model)
        #expect(desc.default_guidance == 1 && desc.default_steps == 20 && desc.default_sampler == Int32(LD_SAMPLER_DPM_SOLVER.rawValue))
        #expect(names(desc) == (0...9).map(String.init))
    }

    @Test func storedDefaultsAndNamesReachTheDescriptionAndParams() throws {
        let classNames = ["zero", "un", "deux", "três", "four", "five", "six", "seven", "eight", "nine"]
        let path = try rewrittenCopy { config in
            config.samplingDefaults = SamplingDefaults(guidance: 3.5, steps: 12, sampler: .heun)
            config.classNames = classNames
        }
        defer { unlink(path) }
        let model = loadModel(path)
        defer { LatentDiff.ld_model_free(model) }
        let desc = info(model)
        #expect(desc.default_guidance == 3.5 && desc.default_steps == 12 && desc.default_sampler == Int32(LD_SAMPLER_HEUN.rawValue))
        #expect(names(desc) == classNames)

        var params = ld_sample_params()
        #expect(CLatentDiffABI.ld_sample_params_init_for_model(model, &params) == LD_OK)
        #expect(params.struct_size == MemoryLayout<ld_sample_params>.size)
        #expect(params.guidance == 3.5 && params.steps == 12 && params.sampler == Int32(LD_SAMPLER_HEUN.rawValue))
        var plain = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&plain)
        #expect(params.eta == plain.eta && params.seed == plain.seed && params.threads == plain.threads
            && params.labels == nil && params.first_index == plain.first_index, "the other fields are the library's defaults")

        // A 0.1.0-sized struct gets what fits; NULL arguments and bad sizes write nothing.
        var untouched = ld_sample_params()
        untouched.steps = 77
        #expect(LatentDiff.ld_sample_params_init_for_model_sized(nil, &untouched, MemoryLayout<ld_sample_params>.size) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("model is NULL"))
        #expect(LatentDiff.ld_sample_params_init_for_model_sized(model, nil, MemoryLayout<ld_sample_params>.size) == -1)
        #expect(LatentDiff.ld_sample_params_init_for_model_sized(model, &untouched, 16) == -1)
        #expect(LatentDiff.ld_sample_params_init_for_model_sized(model, &untouched, 1 << 20) == -1)
        #expect(untouched.steps == 77)
    }

    @Test func descriptionOfAnOlderSizeGetsNoNewField() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let v020 = MemoryLayout<ld_model_desc>.offset(of: \ld_model_desc.default_guidance)!
        var bytes = [UInt8](repeating: 0xAB, count: MemoryLayout<ld_model_desc>.size)
        bytes.withUnsafeMutableBytes { raw in
            #expect(LatentDiff.ld_model_info_sized(model, raw.baseAddress!.assumingMemoryBound(to: ld_model_desc.self), v020) == 0)
        }
        #expect(bytes[v020...].allSatisfy { $0 == 0xAB })
        #expect(bytes[0..<8] == [UInt8](withUnsafeBytes(of: v020.littleEndian) { Array($0) })[...], "struct_size = the bytes filled")
    }

    @Test func unconditionalModelHasNoClassNames() {
        // The shipped PCA-2D model (unconditional): tinyModelPath is ROOT/Tests/Fixtures/models/....
        let root = tinyModelPath.split(separator: "/", omittingEmptySubsequences: false).dropLast(4).joined(separator: "/")
        let model = loadModel(root + "/models/pca2d.safetensors")
        defer { LatentDiff.ld_model_free(model) }
        let desc = info(model)
        #expect(desc.class_count == 0 && desc.class_names == nil)
        #expect(desc.default_guidance == 1)
    }

    func settingsJSON(_ model: OpaquePointer?, _ params: inout ld_sample_params, count: Int32) throws -> JSON {
        var out: UnsafeMutablePointer<CChar>?
        #expect(LatentDiff.ld_sample_params_json(model, &params, count, &out) == 0, "\(String(cString: LatentDiff.ld_last_error()))")
        let pointer = try #require(out)
        defer { LatentDiff.ld_free_buffer(pointer) }
        return try JSON.parse(String(cString: pointer))
    }

    @Test func settingsJSONDescribesTheCall() throws {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        params.sampler = Int32(LD_SAMPLER_DDIM.rawValue)
        params.steps = 7
        params.eta = 0.1
        params.guidance = 2.5
        params.seed = UInt64.max
        params.first_index = 40
        let labels: [Int32] = [3, -1]
        let json = try labels.withUnsafeBufferPointer { labels in
            params.labels = labels.baseAddress
            return try settingsJSON(model, &params, count: 2)
        }
        #expect(json["library_version"]?.stringValue == String(cString: LatentDiff.ld_version()))
        #expect(json["model"]?["dataset"]?.stringValue == "mnist" && json["model"]?["codec"]?.stringValue == "vae-cnn")
        #expect(json["model"]?["timesteps"]?.intValue == 1000)
        #expect(json["sampler"]?.stringValue == "ddim" && json["spacing"]?.stringValue == "uniform")
        #expect(json["steps"]?.intValue == 7 && json["eta"]?.doubleValue == 0.1 && json["guidance"]?.doubleValue == 2.5)
        #expect(json["first_index"]?.intValue == 40 && json["count"]?.intValue == 2)
        #expect(json["labels"] == .array([.number(3), .number(-1)]))
        #expect(json["class_names"] == .array([.string("3"), .null]))
        var out: UnsafeMutablePointer<CChar>?
        #expect(LatentDiff.ld_sample_params_json(model, &params, 2, &out) == 0)
        #expect(String(cString: out!).contains("\"seed\":18446744073709551615,"), "the seed's exact digits")
        LatentDiff.ld_free_buffer(out)

        #expect(json["strength"]?.doubleValue == 1 && json["init_image"] == .bool(false))
        #expect(json["mask"] == .bool(false) && json["init_noise"] == .bool(false))

        params.labels = nil
        let unconditional = try settingsJSON(model, &params, count: 1)
        #expect(unconditional["labels"] == .null && unconditional["class_names"] == .null)

        // An edit: the image, strength, mask and caller noise are part of the settings.
        var desc = ld_model_desc()
        _ = CLatentDiffABI.ld_model_info(model, &desc)
        let image = [UInt8](repeating: 128, count: Int(desc.image_bytes))
        let mask = [UInt8](repeating: 255, count: Int(desc.image_width * desc.image_height))
        let noise = [Float](repeating: 0.5, count: Int(desc.latent_size))
        let edited = try image.withUnsafeBufferPointer { image in
            try mask.withUnsafeBufferPointer { mask in
                try noise.withUnsafeBufferPointer { noise in
                    params.init_image = image.baseAddress
                    params.mask = mask.baseAddress
                    params.init_noise = noise.baseAddress
                    params.strength = 0.5
                    defer { (params.init_image, params.mask, params.init_noise, params.strength) = (nil, nil, nil, 1) }
                    return try settingsJSON(model, &params, count: 1)
                }
            }
        }
        #expect(edited["strength"]?.doubleValue == 0.5 && edited["init_image"] == .bool(true))
        #expect(edited["mask"] == .bool(true) && edited["init_noise"] == .bool(true))
    }

    @Test func settingsJSONRefusesWhatSamplingRefuses() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        var out: UnsafeMutablePointer<CChar>?
        #expect(LatentDiff.ld_sample_params_json(nil, &params, 1, &out) == -1)
        #expect(LatentDiff.ld_sample_params_json(model, nil, 1, &out) == -1)
        #expect(LatentDiff.ld_sample_params_json(model, &params, 1, nil) == -1)
        #expect(LatentDiff.ld_sample_params_json(model, &params, 0, &out) == -1)
        params.steps = 0
        #expect(LatentDiff.ld_sample_params_json(model, &params, 1, &out) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("steps"))
        params.steps = 20
        let labels: [Int32] = [10]
        labels.withUnsafeBufferPointer { labels in
            params.labels = labels.baseAddress
            #expect(LatentDiff.ld_sample_params_json(model, &params, 1, &out) == -1)
        }
        #expect(out == nil, "nothing written on failure")
    }

    @Test func encodePNGToMemoryMatchesTheFileAndCarriesText() throws {
        var pixels = [UInt8](repeating: 0, count: 5 * 3 * 4)
        for i in pixels.indices { pixels[i] = UInt8((i * 37) % 256) }
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        let keys: [UnsafePointer<CChar>?] = [UnsafePointer(strdup("parameters")), UnsafePointer(strdup("Software"))]
        let values: [UnsafePointer<CChar>?] = [UnsafePointer(strdup("{\"steps\":20}")), UnsafePointer(strdup("LatentDiff"))]
        defer { (keys + values).forEach { free(UnsafeMutableRawPointer(mutating: $0)) } }
        #expect(LatentDiff.ld_encode_png(pixels, 5, 3, 4, keys, values, 2, &png, &size) == 0)
        let bytes = Array(UnsafeBufferPointer(start: try #require(png), count: size))
        LatentDiff.ld_free_buffer(png)
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        let text = Array("tEXtparameters".utf8) + [0] + Array("{\"steps\":20}".utf8)
        #expect(bytes.indices.contains { bytes[$0...].starts(with: text) }, "the tEXt chunk")
        let decoded = try PNG.decode(bytes: bytes, name: "memory", channels: 4, maxPixels: 1 << 20)
        #expect(decoded.width == 5 && decoded.height == 3 && decoded.pixels == pixels)

        // The same bytes as the file ld_write_png writes (without text).
        let path = "/tmp/latentdiff-encode-\(getpid()).png"
        defer { unlink(path) }
        #expect(LatentDiff.ld_write_png(path, pixels, 5, 3, 4) == 0)
        #expect(LatentDiff.ld_encode_png(pixels, 5, 3, 4, nil, nil, 0, &png, &size) == 0)
        let plain = Array(UnsafeBufferPointer(start: try #require(png), count: size))
        LatentDiff.ld_free_buffer(png)
        let file = try #require(fopen(path, "rb"))
        var onDisk = [UInt8](repeating: 0, count: 4096)
        onDisk.removeSubrange(fread(&onDisk, 1, onDisk.count, file)...)
        fclose(file)
        #expect(plain == onDisk)
    }

    @Test func encodePNGRefusesBadInputWritingNothing() {
        let pixel: [UInt8] = [1, 2, 3, 4]
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        let good: [UnsafePointer<CChar>?] = [UnsafePointer(strdup("Comment"))]
        let bad: [UnsafePointer<CChar>?] = [UnsafePointer(strdup("tab\there"))]
        let none: [UnsafePointer<CChar>?] = [nil]
        defer { (good + bad).forEach { free(UnsafeMutableRawPointer(mutating: $0)) } }
        let cases: [(String, Int32)] = [
            ("NULL pixels", LatentDiff.ld_encode_png(nil, 1, 1, 1, nil, nil, 0, &png, &size)),
            ("NULL out_png", LatentDiff.ld_encode_png(pixel, 1, 1, 1, nil, nil, 0, nil, &size)),
            ("NULL out_png_size", LatentDiff.ld_encode_png(pixel, 1, 1, 1, nil, nil, 0, &png, nil)),
            ("zero height", LatentDiff.ld_encode_png(pixel, 1, 0, 1, nil, nil, 0, &png, &size)),
            ("0 channels", LatentDiff.ld_encode_png(pixel, 1, 1, 0, nil, nil, 0, &png, &size)),
            ("NULL text_values", LatentDiff.ld_encode_png(pixel, 1, 1, 1, good, nil, 1, &png, &size)),
            ("NULL value", LatentDiff.ld_encode_png(pixel, 1, 1, 1, good, none, 1, &png, &size)),
            ("keyword with a tab", LatentDiff.ld_encode_png(pixel, 1, 1, 1, bad, good, 1, &png, &size)),
            ("text_count 1025", LatentDiff.ld_encode_png(pixel, 1, 1, 1, good, good, 1025, &png, &size)),
        ]
        for (what, status) in cases {
            #expect(status == -1, "\(what): \(String(cString: LatentDiff.ld_last_error()))")
        }
        #expect(png == nil && size == 0)
        LatentDiff.ld_free_buffer(nil)
    }
}
