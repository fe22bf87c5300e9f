import ArgumentParser
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN
import LatentDiffPipeline

/// The options of `latentdiff sample` (and of `latentdiff-mpi sample`, whose ranks each sample a
/// slice of the images and whose lead writes them all).
public struct SampleOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Model file, or the name of a shipped model (mnist, cifar10, pca2d).",
        discussion: "Default: the shipped MNIST model, looked for in ../share/latentdiff/models beside the executable's directory, then in models/ of the working directory."))
    var model: String?
    @Option(help: "Images (with --classes all: images per class).") var count = 16
    @Option(help: ArgumentHelp("Sampler: \(SamplerSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")).",
                               discussion: "Default: the model's (`latentdiff info`; dpm++ for models without defaults)."))
    var sampler: SamplerSettings.Kind?
    @Option(help: ArgumentHelp("Denoising steps.", discussion: "Default: the model's (20 for models without defaults).")) var steps: Int?
    @Option(help: ArgumentHelp("Step spacing: \(NoiseSchedule.Spacing.allCases.map(\.rawValue).joined(separator: ", ")).",
                               discussion: "Default: the model's when the sampler is the model's, else the sampler's own (dpm++: logsnr; euler, euler-a, heun: karras; others: uniform)."))
    var spacing: NoiseSchedule.Spacing?
    @Option(help: "DDIM eta in [0, 1].") var eta: Float = 0
    @Option(help: ArgumentHelp("Classifier-free guidance scale (1 = none).",
                               discussion: "Default: the model's (1 for models without defaults).")) var guidance: Float?
    @Option(help: ArgumentHelp("Guide only at noise levels sigma/alpha in LOW,HIGH (e.g. 0.3,5), or 'all'.",
                               discussion: "Outside the band the conditional output alone is used (no unconditional pass). Default: the model's (every step for models without one)."))
    var guidanceInterval: String?
    @Option(help: ArgumentHelp("Rescale guided outputs towards the conditional output's spread, phi in [0, 1] (0 = off).",
                               discussion: "Default: the model's (0 for models without one)."))
    var guidanceRescale: Float?
    @Option(help: ArgumentHelp("Autoguidance weight w >= 0: outputs move by w (c - a) away from the guide denoiser's a (0 = off).",
                               discussion: "Needs a model file with a guide denoiser (`latentdiff attach-guide`); works with or without --guidance. Default: the model's (0 for models without one)."))
    var autoguidance: Float?
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(name: .customLong("class"), help: "Class of every image (conditional models).") var classLabel: Int?
    @Option(help: "'all': one row per class.") var classes: String?
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Also write each image as DIR/NNNN.png.") var images: String?
    @Option(help: "Also write the latents as a .npy file.") var npy: String?
    @Option(help: "Output grid PNG.") var out = "samples.png"
    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Start every image from this PNG or JPEG (img2img): encoded, re-noised by --strength, denoised.",
        discussion: "The image is centre-cropped and resized to the model's size; each image of the grid is a variation by its own seed."))
    var initImage: String?
    @Option(help: "With --init: how much of the image to redraw, in [0, 1] (0 = the image, 1 = ignore it).")
    var strength: Double = 0.6
    @Option(help: ArgumentHelp(
        "With --init: inpaint, redrawing only where this PNG is white (black = keep, gray = partly).",
        discussion: "Any channel layout (read as gray); its size must be the model's image size. Kept pixels are pasted back from the --init image with a feathered edge. With --strength 1 the masked part is drawn from noise; lower keeps it closer to the image."))
    var mask: String?

    public init() {}

    /// What the options ask for: the loaded model and one class label per image (-1 = none).
    public struct Request {
        public let model: DiffusionModel
        public let labels: [Int]
        /// Grid columns; 0 = as square as possible.
        let columns: Int
    }

    /// Checks the options and loads the model.
    public func request() throws -> Request {
        _ = try validThreads(threads)
        // Where the results go is checked before any sampling: a bad path costs no work and
        // leaves no partial output.
        for path in [out, npy].compactMap({ $0 }) { try AtomicFile.checkWritable(path: path) }
        if let images {
            try createDirectory(images)
            try AtomicFile.checkWritable(path: "\(images)/0000.png")
        }
        guard (1...4096).contains(count) else { throw LatentDiffError.invalidArgument("--count must be in 1...4096, not \(count)") }
        let loaded = try DiffusionModel.load(path: try resolveModelPath(model))
        switch (classLabel, classes) {
        case (nil, nil): return Request(model: loaded, labels: [Int](repeating: -1, count: count), columns: 0)
        case (let label?, nil):
            guard loaded.classCount > 0 else { throw LatentDiffError.invalidArgument("--class needs a class-conditional model") }
            return Request(model: loaded, labels: [Int](repeating: label, count: count), columns: 0)
        case (nil, "all"):
            guard loaded.classCount > 0 else { throw LatentDiffError.invalidArgument("--classes all needs a class-conditional model") }
            return Request(model: loaded, labels: (0..<loaded.classCount).flatMap { [Int](repeating: $0, count: count) }, columns: count)
        case (nil, let other?): throw LatentDiffError.invalidArgument("--classes takes 'all', not '\(other)'")
        default: throw LatentDiffError.invalidArgument("give --class or --classes, not both")
        }
    }

    /// Samples and decodes images `indices` of the request (noise keyed by their global index),
    /// with a progress bar.
    public func generate(_ request: Request, indices: Range<Int>) throws -> Generation {
        let settings = try samplerSettings(request.model)
        let steps = settings.steps
        let edit = try self.edit(model: request.model, count: indices.count)
        let progress = ProgressReporter(title: "sample", total: edit.map { Int(($0.strength * Double(steps)).rounded()) } ?? steps,
                                        unit: "steps")
        let result = try Generation(model: request.model, settings: settings, seed: seed, labels: Array(request.labels[indices]),
                                    firstIndex: indices.lowerBound, threads: threads, edit: edit) { done, _ in
            progress.update(done)
            return true
        }
        progress.finish()
        return result
    }

    /// The sampler settings the options ask for: the model's defaults (`SamplingDefaults`) for
    /// the sampler, steps and guidance not given, and for the spacing when the sampler is the model's.
    public func samplerSettings(_ model: DiffusionModel) throws -> SamplerSettings {
        model.config.samplingDefaults.settings(
            sampler: sampler, steps: steps, spacing: spacing, eta: eta, guidance: guidance,
            guidanceInterval: try parseGuidanceInterval(guidanceInterval), guidanceRescale: guidanceRescale,
            autoguidance: autoguidance)
    }

    /// The edit the options ask for (nil without --init): the --init image prepared to the model's
    /// size and the --mask read as gray, once per image.
    func edit(model: DiffusionModel, count: Int) throws -> ImageEdit? {
        guard let initImage else {
            guard mask == nil else { throw LatentDiffError.invalidArgument("--mask needs --init (the image to inpaint)") }
            return nil
        }
        let (c, h, w) = (model.imageShape[0], model.imageShape[1], model.imageShape[2])
        guard h == w else { throw LatentDiffError.invalidArgument("--init needs a model of square images, not \(h)x\(w)") }
        guard strength.isFinite, (0...1).contains(strength) else {
            throw LatentDiffError.invalidArgument("--strength must be in [0, 1], not \(strength)")
        }
        let planar = try ImageFile.read(path: initImage, preparation: try ImagePreparation(size: h, channels: c, background: .white))
        let pixels = ImageConversion.pixels(from: Tensor(shape: [1, c, h, w], values: planar.map { Float($0) / 127.5 - 1 }))
        let masks = try mask.map { path in
            let image = try PNG.read(path: path, channels: 1)
            guard (image.width, image.height) == (w, h) else {
                throw LatentDiffError.invalidArgument("--mask '\(path)' is \(image.width)x\(image.height); the model's images are \(w)x\(h)")
            }
            return [[UInt8]](repeating: image.pixels, count: count).flatMap { $0 }
        }
        return ImageEdit(pixels: [[UInt8]](repeating: pixels, count: count).flatMap { $0 }, strength: strength, masks: masks)
    }

    /// Writes the grid, and the images and latents asked for, of all the request's images, and
    /// reports the time they took in `processes` processes.
    public func write(_ request: Request, latents: [Float], pixels: [UInt8], seconds: Double, processes: Int = 1) throws {
        let loaded = request.model, labels = request.labels
        let (c, h, w) = (loaded.imageShape[0], loaded.imageShape[1], loaded.imageShape[2])
        let grid = try ImageGrid.compose(pixels: pixels, count: labels.count, width: w, height: h, channels: c, columns: request.columns)
        let settings = try samplerSettings(loaded)
        let text: [(key: String, value: String)] = [
            ("Software", "LatentDiff \(LatentDiffVersion.string)"), ("model", model ?? "mnist"), ("seed", "\(seed)"),
            ("sampler", settings.kind.rawValue), ("steps", "\(settings.steps)"),
            ("spacing", (settings.spacing ?? settings.method.defaultSpacing).rawValue), ("eta", "\(eta)"),
            ("guidance", "\(settings.guidance)"), ("guidance_interval", settings.guidanceInterval.map { "\($0.lowerBound),\($0.upperBound)" } ?? "all"),
            ("init", initImage ?? "none"), ("strength", initImage == nil ? "1" : "\(strength)"), ("mask", mask ?? "none"),
            ("guidance_rescale", "\(settings.guidanceRescale)"),
            ("autoguidance", "\(settings.autoguidance)"),
            ("labels", classes == "all" ? "all" : classLabel.map(String.init) ?? "none"),
        ]
        try PNG.write(path: out, image: grid, text: text)
        if let images {  // created by request()
            let size = h * w * c
            for k in 0..<labels.count {
                let digits = String(k)
                let name = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
                let image = Image8(width: w, height: h, channels: c, pixels: Array(pixels[(k * size)..<((k + 1) * size)]))
                try PNG.write(path: "\(images)/\(name).png", image: image, text: text)
            }
        }
        if let npy { try NPY.write(path: npy, values: latents, shape: [labels.count] + loaded.latentShape) }
        let workers = processes > 1 ? "\(processes) processes x \(threads) thread(s)" : "\(threads) thread(s)"
        print("wrote \(out): \(labels.count) images in \(format(seconds, digits: 2)) s (\(format(seconds * 1000 / Double(labels.count), digits: 1)) ms per image, \(workers))")
    }
}
