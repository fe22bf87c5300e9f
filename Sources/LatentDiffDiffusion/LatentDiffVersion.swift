/// The library version; keep in step with LD_VERSION_* in include/latentdiff.h.
public enum LatentDiffVersion {
    private static let literal: StaticString = "0.2.0"

    public static var string: String { literal.description }

    /// The same text as a static C string (for `ld_version`).
    public static var cString: UnsafePointer<CChar> {
        UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
