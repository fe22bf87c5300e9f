import LatentDiffKernels
import LatentDiffNN

/// The convolutional VAE of docs/architectures.md with stage widths (w0, ..., w_{n-1}), n = 2...4:
/// n down steps, latent c x ceil(H / 2^n) x ceil(W / 2^n) (2 stages: 28 -> 7, 32 -> 8; 3: 64 -> 8).
///
///     encoder: conv3 C->w0, Res(w0,w0), then per stage i = 1...n: Down(w_{i-1}), Res(w_{i-1}, w_i)
///              (w_n = w_{n-1}), GN, SiLU, conv3 w_{n-1}->2c
///     decoder: conv3 c->w_{n-1}, Res(w_{n-1}, w_{n-1}), then per stage: Up(r_i), Res(r_i, r_{i+1}) with
///              r = (w_{n-1}, ..., w0, w0), GN, SiLU, conv3 w0->C
/// With two stages this is the network (and the tensor names) of the first version.
public final class ConvVAE: VariationalCodec, @unchecked Sendable {
    public let config: CodecConfig
    public let parameters: ParameterStore
    let encoderIn: Conv2d, encoderBlocks: [ResBlock], downs: [Conv2d], encoderNorm: GroupNorm, encoderOut: Conv2d
    let decoderIn: Conv2d, decoderBlocks: [ResBlock], ups: [Conv2d], decoderNorm: GroupNorm, decoderOut: Conv2d
    /// Spatial sizes of the image and after each down step but the last: the decoder's upsampling
    /// targets, largest first.
    let sizes: [(Int, Int)]

    init(config: CodecConfig, store: ParameterStore) throws {
        let c = config.imageShape[0], widths = config.widths, stages = widths.count
        let latent = config.latentSize, groups = 8
        let name = { (part: String) in "\(codecPrefix).\(part)" }
        // Encoder stage i maps w_{i-1} -> w_i; the last keeps its width.
        let encoderWidths = widths + [widths[stages - 1]]
        encoderIn = try Conv2d(store, name("encoder.conv_in"), inChannels: c, outChannels: widths[0], kernel: 3)
        var encoderBlocks = [try ResBlock(store, name("encoder.res0"), inChannels: widths[0], outChannels: widths[0],
                                          groups: groups)]
        var downs: [Conv2d] = []
        for i in 1...stages {
            let (from, to) = (encoderWidths[i - 1], encoderWidths[i])
            downs.append(try Conv2d(store, name("encoder.down\(i - 1)"), inChannels: from, outChannels: from, kernel: 3, stride: 2))
            encoderBlocks.append(try ResBlock(store, name("encoder.res\(i)"), inChannels: from, outChannels: to, groups: groups))
        }
        (self.encoderBlocks, self.downs) = (encoderBlocks, downs)
        let deepest = widths[stages - 1]
        encoderNorm = try GroupNorm(store, name("encoder.norm_out"), groups: groups, channels: deepest)
        encoderOut = try Conv2d(store, name("encoder.conv_out"), inChannels: deepest, outChannels: 2 * latent, kernel: 3)
        // Decoder stage i maps r_i -> r_{i+1}, r = reversed widths then w0 again.
        let r = Array(widths.reversed()) + [widths[0]]
        decoderIn = try Conv2d(store, name("decoder.conv_in"), inChannels: latent, outChannels: deepest, kernel: 3)
        var decoderBlocks = [try ResBlock(store, name("decoder.res0"), inChannels: deepest, outChannels: deepest,
                                          groups: groups)]
        var ups: [Conv2d] = []
        for i in 0..<stages {
            ups.append(try Conv2d(store, name("decoder.up\(i)"), inChannels: r[i], outChannels: r[i], kernel: 3))
            decoderBlocks.append(try ResBlock(store, name("decoder.res\(i + 1)"), inChannels: r[i], outChannels: r[i + 1],
                                              groups: groups))
        }
        (self.decoderBlocks, self.ups) = (decoderBlocks, ups)
        decoderNorm = try GroupNorm(store, name("decoder.norm_out"), groups: groups, channels: widths[0])
        decoderOut = try Conv2d(store, name("decoder.conv_out"), inChannels: widths[0], outChannels: c, kernel: 3)
        var size = (config.imageShape[1], config.imageShape[2]), sizes: [(Int, Int)] = []
        for _ in 0..<stages {
            sizes.append(size)
            size = ((size.0 + 1) / 2, (size.1 + 1) / 2)
        }
        self.sizes = sizes
        self.config = config
        parameters = store
    }

    public func posterior(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        var h = encoderBlocks[0](encoderIn(images))                 // (B, w0, H, W)
        for (down, block) in zip(downs, encoderBlocks.dropFirst()) {
            h = block(down(h))                                      // (B, w_i, H / 2^i, W / 2^i)
        }
        let moments = encoderOut(encoderNorm(h, silu: true))         // (B, 2c, H / 2^n, W / 2^n)
        let c = config.latentSize
        return (sliceChannels(moments, start: 0, count: c), sliceChannels(moments, start: c, count: c))
    }

    public func decode(_ latents: Tensor) -> Tensor { decoderOut(decoderFeatures(latents)) }  // (B, C, H, W)

    /// The decoder up to its last layer: latents -> silu(GN(h)), (B, w0, H, W).
    public func decoderFeatures(_ latents: Tensor) -> Tensor {
        var h = decoderBlocks[0](decoderIn(latents))                // (B, w_{n-1}, H / 2^n, W / 2^n)
        for (i, (up, block)) in zip(ups, decoderBlocks.dropFirst()).enumerated() {
            let (height, width) = sizes[sizes.count - 1 - i]
            h = block(up(upsampleNearest(h, height: height, width: width)))  // (B, r_{i+1}, H / 2^(n-1-i), ...)
        }
        return decoderNorm(h, silu: true)                            // (B, w0, H, W)
    }

    /// The decoder's last layer, conv3 w0 -> C: decode(z) = decoderOutput(decoderFeatures(z)).
    public var decoderOutput: Conv2d { decoderOut }
}
