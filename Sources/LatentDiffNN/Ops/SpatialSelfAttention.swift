/// Multi-head self-attention over the H W positions of an image (no normalization, no residual),
/// composed of differentiable ops. x (B, C, H, W), qkvWeight (3C, C, 1, 1), qkvBias (3C),
/// outputWeight (C, C, 1, 1), outputBias (C), `heads` dividing C; d = C / heads, T = H W:
///
///     q, k, v = channels [0, C), [C, 2C), [2C, 3C) of conv1x1(x; qkv), each viewed (B heads, d, T)
///     A = softmax(q^T k / sqrt(d))     (B heads, T, T), softmax over the keys
///     o = v A^T                        (B heads, d, T), viewed (B, C, H, W)
///     y = conv1x1(o; output)           (B, C, H, W)
public func spatialSelfAttention(_ x: Tensor, qkvWeight: Tensor, qkvBias: Tensor?,
                                 outputWeight: Tensor, outputBias: Tensor?, heads: Int) -> Tensor {
    precondition(x.rank == 4, "spatialSelfAttention: x must be (B, C, H, W)")
    let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    precondition(heads > 0 && channels % heads == 0, "spatialSelfAttention: \(heads) heads for \(channels) channels")
    let d = channels / heads, positions = height * width
    let qkv = conv2d(x, weight: qkvWeight, bias: qkvBias)  // (B, 3C, H, W)
    /// Channels [i C, (i + 1) C) of qkv, viewed (B heads, d, T).
    func part(_ i: Int) -> Tensor {
        reshape(sliceChannels(qkv, start: i * channels, count: channels), [batch * heads, d, positions])
    }
    let (q, k, v) = (part(0), part(1), part(2))
    let scores = matmul(q, k, transposeA: true, alpha: 1 / Float(d).squareRoot())  // (B heads, T, T)
    let weights = softmax(scores)
    let mixed = matmul(v, weights, transposeB: true)  // (B heads, d, T)
    return conv2d(reshape(mixed, [batch, channels, height, width]), weight: outputWeight, bias: outputBias)
}
