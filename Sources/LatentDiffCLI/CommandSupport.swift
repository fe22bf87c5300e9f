import ArgumentParser
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

extension PredictionType: ExpressibleByArgument {}
extension NoiseSchedule.Kind: ExpressibleByArgument {}
extension SamplerSettings.Kind: ExpressibleByArgument {}

/// Runs a command body; any error becomes one line on standard error and exit status 1
/// (never a stack trace).
public func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        printError(errorMessage(error))
        throw ExitCode(1)
    }
}

/// The text of an error for the user.
public func errorMessage(_ error: any Error) -> String {
    (error as? LatentDiffError)?.message ?? "\(error)"
}

public func printError(_ message: String) {
    var bytes = Array("error: \(message)\n".utf8)
    _ = write(STDERR_FILENO, &bytes, bytes.count)
}

/// "32,64" -> [32, 64].
public func parseIntegerList(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",").map { Int($0.filter { $0 != " " }) }
    guard !parts.isEmpty, let values = parts as? [Int] else { throw LatentDiffError.invalidArgument("'\(text)' is not a comma-separated list of integers") }
    return values
}

public func validThreads(_ threads: Int) throws -> Int {
    guard (1...256).contains(threads) else { throw LatentDiffError.invalidArgument("--threads must be in 1...256, not \(threads)") }
    return threads
}
