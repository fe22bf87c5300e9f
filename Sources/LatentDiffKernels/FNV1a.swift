/// The 64-bit FNV-1a hash of a string's UTF-8 bytes: a stable number for a name, used to pick the
/// Philox stream of a parameter's initial values or a module's dropout mask.
public func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}

/// The 64-bit FNV-1a hash of raw bytes (e.g. a file path that need not be UTF-8).
public func fnv1a64<Bytes: Sequence<UInt8>>(bytes: Bytes, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
    var hash = seed
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}
