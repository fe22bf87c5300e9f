import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffMPI
import LatentDiffPipeline

/// Starts MPI, runs `body` with the world (progress bars only on the lead) and finalizes. An
/// error on any rank is printed with the rank and aborts the whole job, so no rank is left
/// waiting in a collective.
func onWorld(_ body: (Communicator) throws -> Void) {
    let world = Communicator()
    ProgressReporter.isEnabled = world.shard.isLead
    do {
        try body(world)
    } catch {
        printError("rank \(world.rank) of \(world.size): \(errorMessage(error))")
        world.abort(status: 1)
    }
    world.finalize()
}

struct LatentDiffMPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latentdiff-mpi",
        abstract: "LatentDiff on Open MPI: run `mpirun -np N latentdiff-mpi train|sample ...` with the options of `latentdiff`.",
        version: LatentDiffVersion.string,
        subcommands: [TrainCommand.self, SampleCommand.self, BenchAllReduceCommand.self])
}

LatentDiffMPICommand.main()
