import ArgumentParser
import LatentDiffPipeline

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

@main
struct LatentDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latentdiff",
        abstract: "Train and sample small latent-diffusion image generators on the CPU.",
        version: LatentDiffVersion.string,
        subcommands: [VersionCommand.self, PNGDemoCommand.self, DataCommand.self, InfoCommand.self, TrainCodecCommand.self, ReconstructCommand.self, TrainCommand.self, SampleCommand.self, BenchCommand.self])

    /// Parses and runs a subcommand. Help and --version print as usual; every error, a usage
    /// mistake included, is one line `error: ...` (with where to find the usage) and a non-zero
    /// exit status; errors the commands already reported (`reportingErrors`) only set the status.
    /// Standard output is line-buffered.
    static func main() {
        // Line by line even into a file or pipe, so the log of a killed run keeps every line.
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else if !(error is ExitCode) {
                let lines = message(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingPrefix { $0 == " " } }
                let name = CommandLine.arguments.dropFirst().first { arg in
                    configuration.subcommands.contains { $0.configuration.commandName == arg }
                }
                printError(lines.joined(separator: "; ") + " (see 'latentdiff \(name.map { "\($0) " } ?? "")--help')")
            }
            Glibc.exit(code.rawValue)
        }
    }
}
