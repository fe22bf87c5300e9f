import LatentDiffKernels
import LatentDiffNN

/// The two-level U-Net of docs/architectures.md, widths (w0, w1), embedding E = 4 w0:
///
///     conv3 C->w0 ; Res(w0,w0) -> s0 ; Down ; Res(w0,w1) [+ Attn] -> s1
///     middle: Res(w1,w1) [+ Attn] Res(w1,w1)
///     cat(h, s1) -> Res(2w1,w1) [+ Attn] ; Up to size(s0) ; cat(h, s0) -> Res(w1+w0,w0)
///     GN, SiLU, conv3 w0->C
public final class UNet: Denoiser, @unchecked Sendable {
    public let config: DenoiserConfig
    let embedding: ConditioningEmbedding
    let convIn: Conv2d, down: Conv2d, up: Conv2d, convOut: Conv2d
    let down0: ResBlock, down1: ResBlock, middle0: ResBlock, middle1: ResBlock, up1: ResBlock, up0: ResBlock
    let attentionDown: Attention?, attentionMiddle: Attention?, attentionUp: Attention?
    let normOut: GroupNorm

    init(config: DenoiserConfig, store: ParameterStore) throws {
        let (c, w0, w1) = (config.inputShape[0], config.widths[0], config.widths[1])
        let e = config.embeddingWidth, groups = 8, p = denoiserPrefix, drop = config.dropout
        embedding = try ConditioningEmbedding(store, "\(p).embedding", sinusoidWidth: w0, width: e, classCount: config.classCount)
        convIn = try Conv2d(store, "\(p).conv_in", inChannels: c, outChannels: w0, kernel: 3)
        down0 = try ResBlock(store, "\(p).down0", inChannels: w0, outChannels: w0, embeddingDim: e, groups: groups, dropout: drop)
        down = try Conv2d(store, "\(p).downsample", inChannels: w0, outChannels: w0, kernel: 3, stride: 2)
        down1 = try ResBlock(store, "\(p).down1", inChannels: w0, outChannels: w1, embeddingDim: e, groups: groups, dropout: drop)
        middle0 = try ResBlock(store, "\(p).middle0", inChannels: w1, outChannels: w1, embeddingDim: e, groups: groups, dropout: drop)
        middle1 = try ResBlock(store, "\(p).middle1", inChannels: w1, outChannels: w1, embeddingDim: e, groups: groups, dropout: drop)
        up1 = try ResBlock(store, "\(p).up1", inChannels: 2 * w1, outChannels: w1, embeddingDim: e, groups: groups, dropout: drop)
        up = try Conv2d(store, "\(p).upsample", inChannels: w1, outChannels: w1, kernel: 3)
        up0 = try ResBlock(store, "\(p).up0", inChannels: w1 + w0, outChannels: w0, embeddingDim: e, groups: groups, dropout: drop)
        let heads = config.attentionHeads
        if config.attention {
            attentionDown = try Attention(store, "\(p).attention_down", channels: w1, heads: heads, groups: groups)
            attentionMiddle = try Attention(store, "\(p).attention_middle", channels: w1, heads: heads, groups: groups)
            attentionUp = try Attention(store, "\(p).attention_up", channels: w1, heads: heads, groups: groups)
        } else {
            (attentionDown, attentionMiddle, attentionUp) = (nil, nil, nil)
        }
        normOut = try GroupNorm(store, "\(p).norm_out", groups: groups, channels: w0)
        convOut = try Conv2d(store, "\(p).conv_out", inChannels: w0, outChannels: c, kernel: 3)
        self.config = config
    }

    public func callAsFunction(_ x: Tensor, timesteps: [Float], labels: [Int], dropout: DropoutNoise?) -> Tensor {
        let e = embedding(timesteps: timesteps, labels: labels)                     // (B, E)
        let (height, width) = (x.shape[2], x.shape[3])
        let s0 = down0(convIn(x), embedding: e, noise: dropout)                    // (B, w0, H, W)
        var h = down1(down(s0), embedding: e, noise: dropout)                      // (B, w1, H', W')
        if let attentionDown { h = attentionDown(h) }
        let s1 = h
        h = middle0(h, embedding: e, noise: dropout)
        if let attentionMiddle { h = attentionMiddle(h) }
        h = middle1(h, embedding: e, noise: dropout)
        h = up1(concatChannels([h, s1]), embedding: e, noise: dropout)             // (B, w1, H', W')
        if let attentionUp { h = attentionUp(h) }
        h = up(upsampleNearest(h, height: height, width: width))                   // (B, w1, H, W)
        h = up0(concatChannels([h, s0]), embedding: e, noise: dropout)             // (B, w0, H, W)
        return convOut(normOut(h, silu: true))                                     // (B, C, H, W)
    }
}
