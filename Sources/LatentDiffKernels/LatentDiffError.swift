/// The one error type every layer throws. `Status` mirrors `ld_status` in `include/latentdiff.h`
/// (same raw values), so the C boundary converts an error with no table of its own.
public struct LatentDiffError: Error, CustomStringConvertible, Sendable {
    public enum Status: Int32, Sendable {
        case invalidArgument = -1
        case io = -2
        case format = -3
        case outOfMemory = -4
        case unsupported = -5
        case cancelled = -6
        case internalError = -7
        case numeric = -8
    }

    public let status: Status
    public let message: String

    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    public static func invalidArgument(_ message: String) -> LatentDiffError { .init(.invalidArgument, message) }
    public static func io(_ message: String) -> LatentDiffError { .init(.io, message) }
    public static func format(_ message: String) -> LatentDiffError { .init(.format, message) }
    public static func unsupported(_ message: String) -> LatentDiffError { .init(.unsupported, message) }
    public static func cancelled(_ message: String = "cancelled by the progress callback") -> LatentDiffError {
        .init(.cancelled, message)
    }
}
