import ArgumentParser

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

extension ParsableCommand {
    /// `main()` for a command-line tool: parses and runs a subcommand. Help and --version print as
    /// usual; every error, a usage mistake included, is one line `error: ...` (with where to find
    /// the usage) and a non-zero exit status; errors a command already reported (`reportingErrors`)
    /// only set the status. Standard output is line-buffered, so the log of a killed run, even
    /// written to a file or pipe, keeps every line.
    public static func mainWithOneLineErrors() -> Never {
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            var command = try parseAsRoot()
            try command.run()
            Glibc.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else if !(error is ExitCode) {
                let lines = message(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingPrefix { $0 == " " } }
                let name = CommandLine.arguments.dropFirst().first { argument in
                    configuration.subcommands.contains { $0.configuration.commandName == argument }
                }
                let tool = configuration.commandName ?? "the command"
                printError(lines.joined(separator: "; ") + " (see '\(tool) \(name.map { "\($0) " } ?? "")--help')")
            }
            Glibc.exit(code.rawValue)
        }
    }
}
