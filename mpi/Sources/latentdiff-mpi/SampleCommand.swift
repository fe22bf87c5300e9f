import ArgumentParser
import LatentDiffCLI
import LatentDiffKernels
import LatentDiffMPI
import LatentDiffPipeline

/// `latentdiff-mpi sample`: each rank samples its slice of the images (noise keyed by the global
/// image index, so the pixels are those of one process); the lead gathers and writes them.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Sharded `latentdiff sample`: the images are split over the ranks; rank 0 writes them.")

    @OptionGroup var options: SampleOptions

    func run() throws {
        onWorld { world in
            let request = try options.request()
            let start = MonotonicClock.now()
            let total = request.labels.count
            let mine = world.shard.range(of: total)
            let part = mine.isEmpty ? nil : try options.generate(request, indices: mine)
            let images = (0..<world.size).map { Shard(rank: $0, count: world.size).range(of: total).count }
            let pixelsPerImage = request.model.imageShape.reduce(1, *)
            let latents = world.gatherOnLead(part?.latents ?? [], counts: images.map { $0 * request.model.latentCount })
            let pixels = world.gatherOnLead(part?.pixels ?? [], counts: images.map { $0 * pixelsPerImage })
            if world.shard.isLead {
                try options.write(request, latents: latents, pixels: pixels, seconds: MonotonicClock.now() - start,
                                  processes: world.size)
            }
        }
    }
}
