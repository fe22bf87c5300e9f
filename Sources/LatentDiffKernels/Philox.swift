#if canImport(Glibc)
import Glibc
#endif

/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
/// counter-based generator. The output for a (key, counter) pair depends on nothing else, so a
/// noise value keyed by (seed, sample index, step) is the same whatever the batch size, the
/// order of evaluation or the thread that computes it.
public struct Philox: Sendable {
    public let key: (UInt32, UInt32)

    public init(seed: UInt64) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    }

    /// The four 32-bit words for one 128-bit counter.
    @inlinable
    public func block(_ counter: (UInt32, UInt32, UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter
        var k = key
        for round in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
            if round < 9 { k = (k.0 &+ 0x9E37_79B9, k.1 &+ 0xBB67_AE85) }
        }
        return c
    }

    /// Four standard normal values for the counter (stream, index), by Box-Muller on two pairs.
    /// `stream` names what the noise is for (a sample, a step, a parameter); `index` runs within it.
    @inlinable
    public func normals(stream: UInt64, index: UInt64) -> (Float, Float, Float, Float) {
        let w = block((UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
                       UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)))
        let (a, b) = Philox.boxMuller(w.0, w.1)
        let (c, d) = Philox.boxMuller(w.2, w.3)
        return (a, b, c, d)
    }

    /// Four uniform values in [0, 1) for the counter (stream, index).
    @inlinable
    public func uniforms(stream: UInt64, index: UInt64) -> (Float, Float, Float, Float) {
        let w = block((UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
                       UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)))
        return (Philox.unit(w.0), Philox.unit(w.1), Philox.unit(w.2), Philox.unit(w.3))
    }

    /// Fills `count` standard normal values of `stream` into `out`, from block `offset` on
    /// (four values a block), so disjoint offsets give independent noise. `first` skips that many
    /// values: out[k] is value `first + k` of the sequence, so a part of a batch draws exactly the
    /// noise the whole batch would give it (data-parallel shards).
    public func fillNormals(
        _ out: UnsafeMutablePointer<Float>, count: Int, stream: UInt64, offset: UInt64 = 0, first: Int = 0
    ) {
        let end = first + count
        func put(_ j: Int, _ value: Float) { if j >= first && j < end { out[j - first] = value } }
        var i = first - first % 4
        while i < end {
            let z = normals(stream: stream, index: offset &+ UInt64(i / 4))
            put(i, z.0)
            put(i + 1, z.1)
            put(i + 2, z.2)
            put(i + 3, z.3)
            i += 4
        }
    }

    /// Fills `count` uniform values in [0, 1) of `stream` into `out`.
    public func fillUniforms(_ out: UnsafeMutablePointer<Float>, count: Int, stream: UInt64) {
        var i = 0
        while i < count {
            let u = uniforms(stream: stream, index: UInt64(i / 4))
            out[i] = u.0
            if i + 1 < count { out[i + 1] = u.1 }
            if i + 2 < count { out[i + 2] = u.2 }
            if i + 3 < count { out[i + 3] = u.3 }
            i += 4
        }
    }

    /// 24 high bits as a float in [0, 1).
    @inlinable
    static func unit(_ x: UInt32) -> Float { Float(x >> 8) * (1.0 / 16_777_216.0) }

    /// Two standard normals from two 32-bit words: sqrt(-2 ln u1) (cos, sin)(2 pi u2), u1 in (0, 1].
    @inlinable
    static func boxMuller(_ x: UInt32, _ y: UInt32) -> (Float, Float) {
        let u1 = (Double(x) + 1) / 4_294_967_296.0
        let u2 = Double(y) / 4_294_967_296.0
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        return (Float(r * cos(theta)), Float(r * sin(theta)))
    }
}
