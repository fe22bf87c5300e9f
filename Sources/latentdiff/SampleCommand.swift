import ArgumentParser
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

extension SamplerSettings.Kind: ExpressibleByArgument {}

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Generate images from a model file and write them as a grid PNG.")

    @Option(help: "Model file (default: the shipped MNIST model).") var model = "models/mnist.safetensors"
    @Option(help: "Images (with --classes all: images per class).") var count = 16
    @Option(help: "Sampler: ddpm, ddim or dpm++.") var sampler: SamplerSettings.Kind = .dpmSolver
    @Option(help: "Denoising steps.") var steps = 20
    @Option(help: "DDIM eta in [0, 1].") var eta: Float = 0
    @Option(help: "Classifier-free guidance scale (1 = none).") var guidance: Float = 1
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(name: .customLong("class"), help: "Class of every image (conditional models).") var classLabel: Int?
    @Option(help: "'all': one row per class.") var classes: String?
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Also write each image as DIR/NNNN.png.") var images: String?
    @Option(help: "Also write the latents as a .npy file.") var npy: String?
    @Option(help: "Output grid PNG.") var out = "samples.png"

    func run() throws {
        try reportingErrors {
            let threads = try validThreads(self.threads)
            guard (1...4096).contains(count) else { throw LatentDiffError.invalidArgument("--count must be in 1...4096, not \(count)") }
            let loaded = try DiffusionModel.load(path: model)
            let labels: [Int]
            var columns = 0
            switch (classLabel, classes) {
            case (nil, nil): labels = [Int](repeating: -1, count: count)
            case (let label?, nil): labels = [Int](repeating: label, count: count)
            case (nil, "all"):
                guard loaded.classCount > 0 else { throw LatentDiffError.invalidArgument("--classes all needs a class-conditional model") }
                labels = (0..<loaded.classCount).flatMap { [Int](repeating: $0, count: count) }
                columns = count
            case (nil, let other?): throw LatentDiffError.invalidArgument("--classes takes 'all', not '\(other)'")
            default: throw LatentDiffError.invalidArgument("give --class or --classes, not both")
            }
            let settings = SamplerSettings(kind: sampler, steps: steps, eta: eta, guidance: guidance)
            let progress = ProgressReporter(title: "sample", total: steps, unit: "steps")
            let start = MonotonicClock.now()
            let result = try Generation(model: loaded, settings: settings, seed: seed, labels: labels, threads: threads) { done, _ in
                progress.update(done)
                return true
            }
            progress.finish()
            let seconds = MonotonicClock.now() - start
            let (c, h, w) = (loaded.imageShape[0], loaded.imageShape[1], loaded.imageShape[2])
            let grid = try ImageGrid.compose(pixels: result.pixels, count: labels.count, width: w, height: h, channels: c, columns: columns)
            let text: [(key: String, value: String)] = [
                ("Software", "LatentDiff \(LatentDiffVersion.string)"), ("model", model), ("seed", "\(seed)"),
                ("sampler", sampler.rawValue), ("steps", "\(steps)"), ("eta", "\(eta)"), ("guidance", "\(guidance)"),
                ("labels", classes == "all" ? "all" : classLabel.map(String.init) ?? "none"),
            ]
            try PNG.write(path: out, image: grid, text: text)
            if let images {
                if mkdir(images, 0o755) != 0 && errno != EEXIST {
                    throw LatentDiffError.io("cannot create directory '\(images)': \(String(cString: strerror(errno)))")
                }
                let size = h * w * c
                for k in 0..<labels.count {
                    let pixels = Array(result.pixels[(k * size)..<((k + 1) * size)])
                    let digits = String(k)
                    let name = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
                    try PNG.write(path: "\(images)/\(name).png", image: Image8(width: w, height: h, channels: c, pixels: pixels), text: text)
                }
            }
            if let npy { try NPY.write(path: npy, values: result.latents, shape: [labels.count] + loaded.latentShape) }
            print("wrote \(out): \(labels.count) images in \(format(seconds, digits: 2)) s (\(format(seconds * 1000 / Double(labels.count), digits: 1)) ms per image, \(threads) thread(s))")
        }
    }
}
