import LatentDiffKernels
import LatentDiffNN

/// The convolutional VAE of docs/architectures.md: widths (w0, w1), latent c x ceil(H/4) x ceil(W/4).
///
///     encoder: conv3 C->w0, Res(w0,w0), Down(w0), Res(w0,w1), Down(w1), Res(w1,w1), GN, SiLU, conv3 w1->2c
///     decoder: conv3 c->w1, Res(w1,w1), Up(w1), Res(w1,w0), Up(w0), Res(w0,w0), GN, SiLU, conv3 w0->C
public final class ConvVAE: VariationalCodec, @unchecked Sendable {
    public let config: CodecConfig
    public let parameters: ParameterStore
    let encoderIn: Conv2d, encoderBlocks: [ResBlock], downs: [Conv2d], encoderNorm: GroupNorm, encoderOut: Conv2d
    let decoderIn: Conv2d, decoderBlocks: [ResBlock], ups: [Conv2d], decoderNorm: GroupNorm, decoderOut: Conv2d
    /// Spatial sizes of the image and after the first down step: the decoder's upsampling targets.
    let sizes: [(Int, Int)]

    init(config: CodecConfig, store: ParameterStore) throws {
        let (c, w0, w1) = (config.imageShape[0], config.widths[0], config.widths[1])
        let latent = config.latentSize, groups = 8
        let name = { (part: String) in "\(codecPrefix).\(part)" }
        encoderIn = try Conv2d(store, name("encoder.conv_in"), inChannels: c, outChannels: w0, kernel: 3)
        encoderBlocks = [
            try ResBlock(store, name("encoder.res0"), inChannels: w0, outChannels: w0, groups: groups),
            try ResBlock(store, name("encoder.res1"), inChannels: w0, outChannels: w1, groups: groups),
            try ResBlock(store, name("encoder.res2"), inChannels: w1, outChannels: w1, groups: groups),
        ]
        downs = [
            try Conv2d(store, name("encoder.down0"), inChannels: w0, outChannels: w0, kernel: 3, stride: 2),
            try Conv2d(store, name("encoder.down1"), inChannels: w1, outChannels: w1, kernel: 3, stride: 2),
        ]
        encoderNorm = try GroupNorm(store, name("encoder.norm_out"), groups: groups, channels: w1)
        encoderOut = try Conv2d(store, name("encoder.conv_out"), inChannels: w1, outChannels: 2 * latent, kernel: 3)
        decoderIn = try Conv2d(store, name("decoder.conv_in"), inChannels: latent, outChannels: w1, kernel: 3)
        decoderBlocks = [
            try ResBlock(store, name("decoder.res0"), inChannels: w1, outChannels: w1, groups: groups),
            try ResBlock(store, name("decoder.res1"), inChannels: w1, outChannels: w0, groups: groups),
            try ResBlock(store, name("decoder.res2"), inChannels: w0, outChannels: w0, groups: groups),
        ]
        ups = [
            try Conv2d(store, name("decoder.up0"), inChannels: w1, outChannels: w1, kernel: 3),
            try Conv2d(store, name("decoder.up1"), inChannels: w0, outChannels: w0, kernel: 3),
        ]
        decoderNorm = try GroupNorm(store, name("decoder.norm_out"), groups: groups, channels: w0)
        decoderOut = try Conv2d(store, name("decoder.conv_out"), inChannels: w0, outChannels: c, kernel: 3)
        let (h, w) = (config.imageShape[1], config.imageShape[2])
        sizes = [(h, w), ((h + 1) / 2, (w + 1) / 2)]
        self.config = config
        parameters = store
    }

    public func posterior(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        var h = encoderBlocks[0](encoderIn(images))           // (B, w0, H, W)
        h = encoderBlocks[1](downs[0](h))                      // (B, w1, H/2, W/2)
        h = encoderBlocks[2](downs[1](h))                      // (B, w1, H/4, W/4)
        let moments = encoderOut(encoderNorm(h, silu: true))   // (B, 2c, H/4, W/4)
        let c = config.latentSize
        return (sliceChannels(moments, start: 0, count: c), sliceChannels(moments, start: c, count: c))
    }

    public func decode(_ latents: Tensor) -> Tensor {
        var h = decoderBlocks[0](decoderIn(latents))                          // (B, w1, H/4, W/4)
        h = ups[0](upsampleNearest(h, height: sizes[1].0, width: sizes[1].1))  // (B, w1, H/2, W/2)
        h = decoderBlocks[1](h)                                                // (B, w0, H/2, W/2)
        h = ups[1](upsampleNearest(h, height: sizes[0].0, width: sizes[0].1))  // (B, w0, H, W)
        h = decoderBlocks[2](h)
        return decoderOut(decoderNorm(h, silu: true))                          // (B, C, H, W)
    }
}
