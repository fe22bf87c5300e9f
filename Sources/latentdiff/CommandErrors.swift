import ArgumentParser
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Runs a command body; any error becomes one line on standard error and exit status 1
/// (never a stack trace).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as LatentDiffError {
        printError(error.message)
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}

func printError(_ message: String) {
    var bytes = Array("error: \(message)\n".utf8)
    _ = write(STDERR_FILENO, &bytes, bytes.count)
}
