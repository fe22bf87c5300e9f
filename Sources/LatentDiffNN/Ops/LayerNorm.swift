import LatentDiffKernels

/// Layer normalization over the last dimension with an affine map.
/// x (..., D), gamma, beta (D) -> y (..., D), y = (x - mean) / sqrt(var + epsilon) gamma + beta,
/// mean and (biased) var over the D values of each row.
public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float = 1e-5) -> Tensor {
    let width = x.shape.last ?? 1
    precondition(x.rank >= 1 && gamma.shape == [width] && beta.shape == [width],
                 "layerNorm: gamma and beta must be (\(width)) for x \(x.shape)")
    let rows = x.count / max(1, width)
    // (rows) mean and 1 / sqrt(var + epsilon).
    var mean = [Float](repeating: 0, count: rows), rstd = mean
    for r in 0..<rows {
        let row = x.data + r * width
        let m = Reduce.sum(row, count: width) / Float(width)
        mean[r] = m
        rstd[r] = 1 / (Reduce.squaredDeviation(row, count: width, center: m) / Float(width) + epsilon).squareRoot()
    }
    return Tensor.make(shape: x.shape, inputs: [x, gamma, beta]) { y in
        Parallel.forEach(rows, workPerItem: 3 * width) { range in
            for r in range {
                let (source, target) = (x.data + r * width, y + r * width)
                for j in 0..<width { target[j] = (source[j] - mean[r]) * rstd[r] * gamma.data[j] + beta.data[j] }
            }
        }
    } backward: { y in
        let dy = y.gradBuffer()
        if x.requiresGrad {
            // dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy gamma.
            let dx = x.gradBuffer()
            Parallel.forEach(rows, workPerItem: 6 * width) { range in
                for r in range {
                    let (source, grad, target) = (x.data + r * width, dy + r * width, dx + r * width)
                    let (m, s) = (mean[r], rstd[r])
                    var sumDxhat: Float = 0, sumDxhatXhat: Float = 0
                    for j in 0..<width {
                        let dxhat = grad[j] * gamma.data[j]
                        sumDxhat += dxhat
                        sumDxhatXhat += dxhat * (source[j] - m) * s
                    }
                    let (a, b) = (sumDxhat / Float(width), sumDxhatXhat / Float(width))
                    for j in 0..<width {
                        target[j] += s * (grad[j] * gamma.data[j] - a - (source[j] - m) * s * b)
                    }
                }
            }
        }
        // dgamma[j] += sum_r dy xhat, dbeta[j] += sum_r dy, rows in order.
        if gamma.requiresGrad {
            let dgamma = gamma.gradBuffer()
            for r in 0..<rows {
                let (source, grad) = (x.data + r * width, dy + r * width)
                for j in 0..<width { dgamma[j] += grad[j] * (source[j] - mean[r]) * rstd[r] }
            }
        }
        if beta.requiresGrad { addColumnSums(of: dy, rows: rows, columns: width, to: beta.gradBuffer()) }
    }
}
