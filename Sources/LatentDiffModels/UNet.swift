import LatentDiffKernels
import LatentDiffNN

/// The two-level U-Net of docs/architectures.md, widths (w0, w1), embedding E = 4 w0, N = resBlocks
/// ResBlocks per level (N = 1 by default):
///
///     conv3 C->w0 ; N x Res(w0,w0) -> s0 ; Down ; Res(w0,w1) [+ Attn], (N-1) x (Res(w1,w1) [+ Attn]) -> s1
///     middle: Res(w1,w1) [+ Attn] Res(w1,w1)
///     cat(h, s1) -> Res(2w1,w1) [+ Attn], (N-1) x (Res(w1,w1) [+ Attn])
///     Up to size(s0) ; cat(h, s0) -> Res(w1+w0,w0), (N-1) x Res(w0,w0)
///     GN, SiLU, conv3 w0->C
///
/// Block i > 0 of a level is named like block 0 with "_i" appended ("down1_1", "attention_down_1").
public final class UNet: Denoiser, @unchecked Sendable {
    public let config: DenoiserConfig
    let embedding: ConditioningEmbedding
    let convIn: Conv2d, down: Conv2d, up: Conv2d, convOut: Conv2d
    let down0: [ResBlock], down1: [ResBlock], up1: [ResBlock], up0: [ResBlock]
    let middle0: ResBlock, middle1: ResBlock
    /// One per block of down1 / up1, or none without attention.
    let attentionDown: [Attention], attentionUp: [Attention]
    let attentionMiddle: Attention?
    let normOut: GroupNorm

    init(config: DenoiserConfig, store: ParameterStore) throws {
        let (c, w0, w1) = (config.inputShape[0], config.widths[0], config.widths[1])
        let e = config.embeddingWidth, groups = 8, p = denoiserPrefix, drop = config.dropout
        let blocks = 0..<config.resBlocks
        func name(_ base: String, _ i: Int) -> String { i == 0 ? "\(p).\(base)" : "\(p).\(base)_\(i)" }
        func level(_ base: String, first: Int, width: Int) throws -> [ResBlock] {
            try blocks.map { i in
                try ResBlock(store, name(base, i), inChannels: i == 0 ? first : width, outChannels: width,
                             embeddingDim: e, groups: groups, dropout: drop)
            }
        }
        embedding = try ConditioningEmbedding(store, "\(p).embedding", sinusoidWidth: w0, width: e, classCount: config.classCount)
        convIn = try Conv2d(store, "\(p).conv_in", inChannels: c, outChannels: w0, kernel: 3)
        down0 = try level("down0", first: w0, width: w0)
        down = try Conv2d(store, "\(p).downsample", inChannels: w0, outChannels: w0, kernel: 3, stride: 2)
        down1 = try level("down1", first: w0, width: w1)
        middle0 = try ResBlock(store, "\(p).middle0", inChannels: w1, outChannels: w1, embeddingDim: e, groups: groups, dropout: drop)
        middle1 = try ResBlock(store, "\(p).middle1", inChannels: w1, outChannels: w1, embeddingDim: e, groups: groups, dropout: drop)
        up1 = try level("up1", first: 2 * w1, width: w1)
        up = try Conv2d(store, "\(p).upsample", inChannels: w1, outChannels: w1, kernel: 3)
        up0 = try level("up0", first: w1 + w0, width: w0)
        let heads = config.attentionHeads
        func attentions(_ base: String) throws -> [Attention] {
            try blocks.map { i in try Attention(store, name(base, i), channels: w1, heads: heads, groups: groups) }
        }
        if config.attention {
            attentionDown = try attentions("attention_down")
            attentionMiddle = try Attention(store, "\(p).attention_middle", channels: w1, heads: heads, groups: groups)
            attentionUp = try attentions("attention_up")
        } else {
            (attentionDown, attentionMiddle, attentionUp) = ([], nil, [])
        }
        normOut = try GroupNorm(store, "\(p).norm_out", groups: groups, channels: w0)
        convOut = try Conv2d(store, "\(p).conv_out", inChannels: w0, outChannels: c, kernel: 3)
        self.config = config
    }

    public func callAsFunction(_ x: Tensor, timesteps: [Float], labels: [Int], dropout: DropoutNoise?) -> Tensor {
        let e = embedding(timesteps: timesteps, labels: labels)                     // (B, E)
        let (height, width) = (x.shape[2], x.shape[3])
        /// The blocks of one level in order, each followed by its attention block when there is one.
        func run(_ blocks: [ResBlock], _ attentions: [Attention], _ input: Tensor) -> Tensor {
            var h = input
            for (i, block) in blocks.enumerated() {
                h = block(h, embedding: e, noise: dropout)
                if i < attentions.count { h = attentions[i](h) }
            }
            return h
        }
        let s0 = run(down0, [], convIn(x))                                          // (B, w0, H, W)
        let s1 = run(down1, attentionDown, down(s0))                                // (B, w1, H', W')
        var h = middle0(s1, embedding: e, noise: dropout)
        if let attentionMiddle { h = attentionMiddle(h) }
        h = middle1(h, embedding: e, noise: dropout)
        h = run(up1, attentionUp, concatChannels([h, s1]))                          // (B, w1, H', W')
        h = up(upsampleNearest(h, height: height, width: width))                   // (B, w1, H, W)
        h = run(up0, [], concatChannels([h, s0]))                                   // (B, w0, H, W)
        return convOut(normOut(h, silu: true))                                     // (B, C, H, W)
    }
}
