import LatentDiffKernels
import LatentDiffNN

/// The residual MLP for vector latents, hidden width W, embedding E = W:
///
///     h = Linear(d, W)(x)
///     each block: h = h + fc2(SiLU(fc1(LayerNorm(h)) + emb_proj(SiLU(e))))
///     out = Linear(W, d)(SiLU(LayerNorm(h)))
public final class MLPDenoiser: Denoiser, @unchecked Sendable {
    public let config: DenoiserConfig
    let embedding: ConditioningEmbedding
    let input: Linear, output: Linear, normOut: LayerNorm
    let blocks: [(norm: LayerNorm, fc1: Linear, projection: Linear, fc2: Linear)]

    init(config: DenoiserConfig, store: ParameterStore) throws {
        let d = config.inputShape[0], w = config.widths[0], p = denoiserPrefix
        embedding = try ConditioningEmbedding(store, "\(p).embedding", sinusoidWidth: w, width: w, classCount: config.classCount)
        input = try Linear(store, "\(p).fc_in", inFeatures: d, outFeatures: w)
        blocks = try (0..<config.blocks).map { i in
            (try LayerNorm(store, "\(p).block\(i).norm", features: w),
             try Linear(store, "\(p).block\(i).fc1", inFeatures: w, outFeatures: w),
             try Linear(store, "\(p).block\(i).emb_proj", inFeatures: w, outFeatures: w),
             try Linear(store, "\(p).block\(i).fc2", inFeatures: w, outFeatures: w))
        }
        normOut = try LayerNorm(store, "\(p).norm_out", features: w)
        output = try Linear(store, "\(p).fc_out", inFeatures: w, outFeatures: d)
        self.config = config
    }

    public func callAsFunction(_ x: Tensor, timesteps: [Float], labels: [Int], dropout: DropoutNoise?) -> Tensor {
        let e = silu(embedding(timesteps: timesteps, labels: labels))  // (B, W)
        var h = input(x)                                               // (B, W)
        for block in blocks {
            h = add(h, block.fc2(silu(add(block.fc1(block.norm(h)), block.projection(e)))))
        }
        return output(silu(normOut(h)))                                // (B, d)
    }
}
