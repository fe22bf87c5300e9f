import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN
import LatentDiffPipeline

struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Encode and decode test images: a grid of originals above reconstructions, and test MSE/PSNR.")

    @Option(help: "Codec file (or a model file).") var codec: String
    @Option(help: "Directory with the codec's data set.") var data: String
    @Option(help: "Images in the grid.") var count = 16
    @Option(help: "Test images measured (0 = all).") var measure = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Output grid PNG.") var out: String

    func run() throws {
        try reportingErrors {
            Parallel.threadCount = try validThreads(threads)
            guard (1...256).contains(count) else { throw LatentDiffError.invalidArgument("--count must be in 1...256") }
            guard measure >= 0 else { throw LatentDiffError.invalidArgument("--measure must be 0 (all) or positive, not \(measure)") }
            let (file, codec) = try loadCodec(path: self.codec)
            let kind = Dataset.Kind.named(file.config.dataset, imageShape: file.config.codec.imageShape)
            let test = try Dataset.load(kind, directory: data, split: .test, limit: measure > 0 ? measure : nil)
            let (mse, psnr) = try reconstructionError(codec: codec, images: test)
            print("\(file.config.codec.kind.rawValue) on \(test.count) \(kind.name) test images: MSE \(format(mse, digits: 6)), PSNR \(format(psnr, digits: 2)) dB")
            if let stored = file.config.metric("test_psnr") { print("stored in the file: PSNR \(format(stored, digits: 2)) dB") }
            let shown = min(count, test.count)
            let batch = try test.batch(indices: Array(0..<shown))
            let originals = Tensor(shape: [shown, test.channels, test.height, test.width], values: batch.pixels)
            let reconstructions = codec.decode(codec.encode(originals))
            let pixels = ImageConversion.pixels(from: originals) + ImageConversion.pixels(from: reconstructions)
            let grid = try ImageGrid.compose(pixels: pixels, count: 2 * shown, width: test.width, height: test.height,
                                             channels: test.channels, columns: shown)
            try PNG.write(path: out, image: grid)
            print("wrote \(out): originals (top) and reconstructions (bottom)")
        }
    }
}
