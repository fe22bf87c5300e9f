// Concatenation along channels (U-Net skip connections) and its inverse, a channel slice.

/// y = [x_0, x_1, ...] along dimension 1. Each x_i (B, C_i, ...) with equal B and trailing
/// dimensions -> y (B, sum C_i, ...).
public func concatChannels(_ xs: [Tensor]) -> Tensor {
    precondition(!xs.isEmpty && xs.allSatisfy { $0.rank >= 2 }, "concatChannels: tensors must be (B, C, ...)")
    let batch = xs[0].shape[0], trailing = Array(xs[0].shape.dropFirst(2))
    precondition(xs.allSatisfy { $0.shape[0] == batch && Array($0.shape.dropFirst(2)) == trailing },
                 "concatChannels: shapes \(xs.map(\.shape)) differ outside dimension 1")
    let plane = trailing.reduce(1, *)
    let total = xs.reduce(0) { $0 + $1.shape[1] }
    return Tensor.make(shape: [batch, total] + trailing, inputs: xs, overwrites: true) { y in  // every channel copied
        var first = 0
        for x in xs {
            copyChannels(from: x.data, channels: x.shape[1], start: 0, of: x.shape[1],
                         to: y, start: first, of: total, batch: batch, plane: plane, accumulate: false)
            first += x.shape[1]
        }
    } backward: { y in
        let dy = y.gradBuffer()
        var first = 0
        for x in xs {
            if x.requiresGrad {
                copyChannels(from: dy, channels: x.shape[1], start: first, of: total,
                             to: x.gradBuffer(), start: 0, of: x.shape[1], batch: batch, plane: plane, accumulate: true)
            }
            first += x.shape[1]
        }
    }
}

/// y = x[:, start ..< start + count]. x (B, C, ...) -> y (B, count, ...).
public func sliceChannels(_ x: Tensor, start: Int, count: Int) -> Tensor {
    precondition(x.rank >= 2 && start >= 0 && count > 0 && start + count <= x.shape[1],
                 "sliceChannels: channels \(start)..<\(start + count) of \(x.shape)")
    let batch = x.shape[0], channels = x.shape[1], trailing = Array(x.shape.dropFirst(2))
    let plane = trailing.reduce(1, *)
    return Tensor.make(shape: [batch, count] + trailing, inputs: [x], overwrites: true) { y in
        copyChannels(from: x.data, channels: count, start: start, of: channels,
                     to: y, start: 0, of: count, batch: batch, plane: plane, accumulate: false)
    } backward: { y in
        copyChannels(from: y.gradBuffer(), channels: count, start: 0, of: count,
                     to: x.gradBuffer(), start: start, of: channels, batch: batch, plane: plane, accumulate: true)
    }
}

/// For each sample b: target[b, targetStart + c, :] (+)= source[b, sourceStart + c, :] for c < channels,
/// with source (B, sourceChannels, P) and target (B, targetChannels, P).
private func copyChannels(
    from source: UnsafePointer<Float>, channels: Int, start sourceStart: Int, of sourceChannels: Int,
    to target: UnsafeMutablePointer<Float>, start targetStart: Int, of targetChannels: Int,
    batch: Int, plane: Int, accumulate: Bool
) {
    let run = channels * plane
    for b in 0..<batch {
        let from = source + (b * sourceChannels + sourceStart) * plane
        let to = target + (b * targetChannels + targetStart) * plane
        if accumulate {
            for i in 0..<run { to[i] += from[i] }
        } else {
            to.update(from: from, count: run)
        }
    }
}
