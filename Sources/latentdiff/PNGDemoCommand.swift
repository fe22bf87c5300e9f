import ArgumentParser
import LatentDiffCLI
import LatentDiffIO
import LatentDiffKernels

/// Writes a colour gradient PNG and reads it back: a check that the PNG path works on this machine.
struct PNGDemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "png-demo", abstract: "Write a gradient PNG, read it back and compare the pixels.")

    @Option(help: "Output PNG path.") var out = "gradient.png"
    @Option(help: "Width in pixels.") var width = 256
    @Option(help: "Height in pixels.") var height = 128

    func run() throws {
        try reportingErrors {
            try PNG.validate(width: width, height: height, channels: 3)
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    pixels[i] = UInt8(x * 255 / max(1, width - 1))
                    pixels[i + 1] = UInt8(y * 255 / max(1, height - 1))
                    pixels[i + 2] = 128
                }
            }
            let image = Image8(width: width, height: height, channels: 3, pixels: pixels)
            try PNG.write(path: out, image: image)
            guard try PNG.read(path: out) == image else { throw LatentDiffError.format("'\(out)' read back with different pixels") }
            print("wrote \(out) (\(width)x\(height) RGB) and read back identical pixels")
        }
    }
}
