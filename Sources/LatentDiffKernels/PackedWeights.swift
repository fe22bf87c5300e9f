import CFixedOrderGEMM

#if canImport(Glibc)
import Glibc
#endif

/// Convolution weights packed as panels of W^T (`fixed_order_pack_weight_panels`), kept for the
/// length of a call whose weights do not change: sampling runs the same denoiser at every step,
/// so each weight is packed once per call instead of once per step. A call makes one and runs
/// its work inside `reusing`, on every thread that runs part of it; the direct convolution
/// (`DirectConvolution`) then takes the panels from it. Packing only moves floats: the products
/// have the same bits with or without it.
///
/// Entries are keyed by the weight's address and shape, which stay unique and unchanged while
/// the call holds its model; the buffers are freed with the object.
public final class PackedWeights: @unchecked Sendable {
    private struct Key: Hashable {
        let address: UInt, outChannels: Int, rows: Int
    }

    private let lock = Mutex()
    private var panels: [Key: UnsafeMutablePointer<Float>] = [:]

    public init() {}

    deinit {
        for buffer in panels.values { buffer.deallocate() }
    }

    /// Runs `body` with `cache` as the calling thread's cache of packed weights (nil: none), then
    /// restores the one before.
    public static func reusing<T, E: Error>(_ cache: PackedWeights?, _ body: () throws(E) -> T) throws(E) -> T {
        let outer = pthread_getspecific(currentKey)
        pthread_setspecific(currentKey, cache.map { UnsafeRawPointer(Unmanaged.passUnretained($0).toOpaque()) })
        defer { pthread_setspecific(currentKey, outer) }
        return try body()
    }

    /// The calling thread's cache, if it runs inside `reusing`.
    static var current: PackedWeights? {
        pthread_getspecific(currentKey).map { Unmanaged<PackedWeights>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Weights packed so far.
    public var count: Int { lock.withLock { panels.count } }

    /// The panels of `weight` (O, rows), packed on first use.
    func panels(of weight: UnsafePointer<Float>, outChannels: Int, rows: Int) -> UnsafePointer<Float> {
        let key = Key(address: UInt(bitPattern: weight), outChannels: outChannels, rows: rows)
        return lock.withLock {
            if let packed = panels[key] { return UnsafePointer(packed) }
            let packed = UnsafeMutablePointer<Float>.allocate(capacity: Self.floats(outChannels: outChannels, rows: rows))
            fixed_order_pack_weight_panels(weight, outChannels, rows, packed)
            panels[key] = packed
            return UnsafePointer(packed)
        }
    }

    /// Floats of the panels of an (O, rows) weight: whole panels of 16 output channels.
    static func floats(outChannels: Int, rows: Int) -> Int {
        (outChannels + panelWidth - 1) / panelWidth * panelWidth * rows
    }
}

/// Thread-specific: the `PackedWeights` of the call the thread is working for, or nil.
private let currentKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
