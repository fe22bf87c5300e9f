import ArgumentParser
import LatentDiffCLI
import LatentDiffMPI
import LatentDiffPipeline

/// `latentdiff-mpi train`: `latentdiff train` on every rank, each on its slice of every batch,
/// with the gradients averaged before each step and the lead alone writing files and progress.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Data-parallel `latentdiff train`: --batch-size is the global batch, split evenly over the ranks.")

    @OptionGroup var options: TrainOptions

    func run() throws {
        onWorld { world in
            var job = try options.job()
            job.shard = world.shard
            let average = GradientAverage(world: world)
            job.configureLoop = { loop in
                loop.gradientHook = { average($0) }
                loop.elapsedHook = { world.broadcastFromLead($0) }
            }
            let log: (String) -> Void = world.shard.isLead ? { print($0) } : { _ in }
            try job.run(log: log)
            log(average.summary)
        }
    }
}
