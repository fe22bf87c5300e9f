/// The global L2 norm of the gradients of `parameters`: sqrt(sum over all of g^2).
/// Parameters without a gradient count as zero.
public func gradientNorm(_ parameters: [Tensor]) -> Float {
    var sum = 0.0
    for parameter in parameters {
        guard let g = parameter.grad else { continue }
        for i in 0..<parameter.count { sum += Double(g[i]) * Double(g[i]) }
    }
    return Float(sum.squareRoot())
}

/// Scales all gradients by min(1, maxNorm / norm) so their global norm is at most `maxNorm`.
/// Returns the norm before clipping (non-finite if any gradient is; then nothing is scaled).
@discardableResult
public func clipGradients(_ parameters: [Tensor], maxNorm: Float) -> Float {
    let norm = gradientNorm(parameters)
    guard norm.isFinite, norm > maxNorm, norm > 0 else { return norm }
    let scale = maxNorm / norm
    for parameter in parameters {
        guard let g = parameter.grad else { continue }
        for i in 0..<parameter.count { g[i] *= scale }
    }
    return norm
}
