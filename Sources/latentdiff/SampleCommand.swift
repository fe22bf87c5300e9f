import ArgumentParser
import LatentDiffCLI
import LatentDiffKernels

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Generate images from a model file and write them as a grid PNG.")

    @OptionGroup var options: SampleOptions

    func run() throws {
        try reportingErrors {
            let request = try options.request()
            let start = MonotonicClock.now()
            let result = try options.generate(request, indices: request.labels.indices)
            try options.write(request, latents: result.latents, pixels: result.pixels, seconds: MonotonicClock.now() - start)
        }
    }
}
