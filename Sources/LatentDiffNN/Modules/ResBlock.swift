import LatentDiffKernels

/// What dropout needs on one training step: the Philox key and a caller-chosen stream (e.g. the
/// step number). Each module mixes its own name into the stream, so blocks draw different masks.
public struct DropoutNoise: Sendable {
    public var seed: UInt64
    public var stream: UInt64

    public init(seed: UInt64, stream: UInt64) {
        self.seed = seed
        self.stream = stream
    }
}

/// The residual block of a diffusion U-Net. x (B, in, H, W), conditioning e (B, embeddingDim) ->
/// (B, out, H, W):
///
///     h = conv1(silu(norm1(x)))                  3x3, in -> out
///     h = h + emb_proj(silu(e)) per channel      when the block takes a conditioning vector
///     h = conv2(dropout(silu(norm2(h))))         3x3, out -> out
///     y = skip(x) + h                            skip: 1x1 conv when in != out, else identity
public struct ResBlock {
    public let norm1: GroupNorm, conv1: Conv2d
    public let embeddingProjection: Linear?
    public let norm2: GroupNorm, conv2: Conv2d
    public let skip: Conv2d?
    public let dropout: Float
    /// FNV-1a of the block's name, mixed into the dropout stream.
    private let nameHash: UInt64

    public init(_ store: ParameterStore, _ name: String, inChannels: Int, outChannels: Int,
                embeddingDim: Int? = nil, groups: Int, dropout: Float = 0) throws {
        let join = { ParameterStore.join(name, $0) }
        norm1 = try GroupNorm(store, join("norm1"), groups: groups, channels: inChannels)
        conv1 = try Conv2d(store, join("conv1"), inChannels: inChannels, outChannels: outChannels, kernel: 3)
        embeddingProjection = try embeddingDim.map {
            try Linear(store, join("emb_proj"), inFeatures: $0, outFeatures: outChannels)
        }
        norm2 = try GroupNorm(store, join("norm2"), groups: groups, channels: outChannels)
        conv2 = try Conv2d(store, join("conv2"), inChannels: outChannels, outChannels: outChannels, kernel: 3)
        skip = inChannels == outChannels
            ? nil : try Conv2d(store, join("skip"), inChannels: inChannels, outChannels: outChannels, kernel: 1)
        self.dropout = dropout
        nameHash = fnv1a64(name)
    }

    /// `embedding` is required exactly when the block was built with an `embeddingDim`; `noise`
    /// turns dropout on (training), nil is inference.
    public func callAsFunction(_ x: Tensor, embedding: Tensor? = nil, noise: DropoutNoise? = nil) -> Tensor {
        precondition((embedding == nil) == (embeddingProjection == nil), "ResBlock: conditioning vector mismatch")
        var h = conv1(norm1(x, silu: true))
        if let embedding, let embeddingProjection {
            h = addChannelwise(h, embeddingProjection(silu(embedding)))
        }
        h = norm2(h, silu: true)
        if let noise {
            h = LatentDiffNN.dropout(h, probability: dropout, seed: noise.seed, stream: noise.stream ^ nameHash,
                                     training: true)
        }
        return add(skip.map { $0(x) } ?? x, conv2(h))
    }
}
