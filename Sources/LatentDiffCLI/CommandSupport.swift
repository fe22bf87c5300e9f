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
extension NoiseSchedule.Spacing: ExpressibleByArgument {}
extension LossWeightingKind: ExpressibleByArgument {}

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
public func parseIntegerList(_ text: String) throws -> [Int] { try parseList(text, of: "integers") }

/// "1,1.5,2" -> [1, 1.5, 2].
public func parseFloatList(_ text: String) throws -> [Float] { try parseList(text, of: "numbers") }

/// A comma-separated list of values of T (spaces ignored); `of` names them in the error.
func parseList<T: LosslessStringConvertible>(_ text: String, of kind: String) throws -> [T] {
    let parts = text.split(separator: ",").map { T(String($0.filter { $0 != " " })) }
    guard !parts.isEmpty, let values = parts as? [T] else { throw LatentDiffError.invalidArgument("'\(text)' is not a comma-separated list of \(kind)") }
    return values
}

/// `--guidance-interval`: "0.3,5" -> 0.3...5, a band of noise levels; "all" -> .some(nil), guidance
/// at every step; not given -> nil (the model's stored band, `SamplingDefaults.settings`).
public func parseGuidanceInterval(_ text: String?) throws -> ClosedRange<Double>?? {
    guard let text else { return nil }
    if text == "all" { return .some(nil) }
    let parts = text.split(separator: ",").map { Double($0.filter { $0 != " " }) }
    guard parts.count == 2, let low = parts[0], let high = parts[1],
          let band = try? SamplerSettings.guidanceBand(low: low, high: high) else {
        throw LatentDiffError.invalidArgument("--guidance-interval must be LOW,HIGH with 0 <= LOW <= HIGH, or 'all', not '\(text)'")
    }
    return band
}

public func validThreads(_ threads: Int) throws -> Int {
    guard (1...256).contains(threads) else { throw LatentDiffError.invalidArgument("--threads must be in 1...256, not \(threads)") }
    return threads
}
