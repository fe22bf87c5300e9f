#if canImport(Glibc)
import Glibc
#endif
import LatentDiffKernels

/// Mean squared error: L = mean_i (p[i] - t[i])^2 over all elements, a scalar (shape []); with
/// `rowWeights` (one per index of the first dimension, B of them), L = mean_i w[row(i)] (p[i] - t[i])^2.
/// prediction and target of the same shape; both may require gradients.
public func mseLoss(_ prediction: Tensor, _ target: Tensor, rowWeights: [Float]? = nil) -> Tensor {
    precondition(prediction.shape == target.shape, "mseLoss: \(prediction.shape) vs \(target.shape)")
    let (p, t, count) = (prediction.data, target.data, prediction.count)
    let rows = prediction.shape.first ?? 1, rowSize = count / max(1, rows)
    precondition(rowWeights.map { $0.count == rows && prediction.rank > 0 } ?? true,
                 "mseLoss: \(rowWeights?.count ?? 0) row weights for shape \(prediction.shape)")
    let weight = { (i: Int) -> Float in rowWeights.map { $0[i / rowSize] } ?? 1 }
    return Tensor.make(shape: [], inputs: [prediction, target]) { y in
        var total = 0.0
        for i in 0..<count { total += Double(weight(i)) * Double(p[i] - t[i]) * Double(p[i] - t[i]) }
        y[0] = Float(total / Double(count))
    } backward: { y in
        // dL/dp = 2 w (p - t) / n = -dL/dt
        let g = y.gradBuffer()[0] * 2 / Float(count)
        if prediction.requiresGrad {
            let dp = prediction.gradBuffer()
            elementRanges(count) { r in for i in r { dp[i] += g * weight(i) * (p[i] - t[i]) } }
        }
        if target.requiresGrad {
            let dt = target.gradBuffer()
            elementRanges(count) { r in for i in r { dt[i] -= g * weight(i) * (p[i] - t[i]) } }
        }
    }
}

/// Binary cross-entropy on logits x with targets t in [0, 1]:
/// L = mean_i [softplus(x[i]) - x[i] t[i]], computed stably. Same shapes; scalar (shape []).
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor) -> Tensor {
    precondition(logits.shape == targets.shape, "binaryCrossEntropyWithLogits: \(logits.shape) vs \(targets.shape)")
    let (x, t, count) = (logits.data, targets.data, logits.count)
    return Tensor.make(shape: [], inputs: [logits, targets]) { y in
        var total = 0.0
        for i in 0..<count { total += Double(Softplus.value(x[i]) - x[i] * t[i]) }
        y[0] = Float(total / Double(count))
    } backward: { y in
        // dL/dx = (sigmoid(x) - t) / n, dL/dt = -x / n
        let g = y.gradBuffer()[0] / Float(count)
        if logits.requiresGrad {
            let dx = logits.gradBuffer()
            elementRanges(count) { r in for i in r { dx[i] += g * (fastSigmoid(x[i]) - t[i]) } }
        }
        if targets.requiresGrad {
            let dt = targets.gradBuffer()
            elementRanges(count) { r in for i in r { dt[i] -= g * x[i] } }
        }
    }
}

/// Cross-entropy of class logits against Int labels: L = mean_n [logsumexp(x[n, :]) - x[n, label_n]].
/// logits (N, K), labels.count == N with labels in 0..<K; scalar (shape []).
public func crossEntropyWithLogits(_ logits: Tensor, labels: [Int]) -> Tensor {
    precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                 "crossEntropyWithLogits: logits \(logits.shape), \(labels.count) labels")
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    precondition(labels.allSatisfy { (0..<classes).contains($0) },
                 "crossEntropyWithLogits: a label outside 0..<\(classes)")
    // logsumexp of each row, in Double.
    let x = logits.data
    let logSumExp = (0..<rows).map { n in
        let row = x + n * classes
        var top = -Float.infinity
        for k in 0..<classes { top = max(top, row[k]) }
        var total = 0.0
        for k in 0..<classes { total += exp(Double(row[k] - top)) }
        return Double(top) + log(total)
    }
    return Tensor.make(shape: [], inputs: [logits]) { y in
        var total = 0.0
        for (n, label) in labels.enumerated() { total += logSumExp[n] - Double(x[n * classes + label]) }
        y[0] = Float(total / Double(rows))
    } backward: { y in
        // dL/dx[n, k] = (softmax(x[n, :])[k] - [k == label_n]) / N
        let (g, dx) = (y.gradBuffer()[0] / Float(rows), logits.gradBuffer())
        for (n, label) in labels.enumerated() {
            for k in 0..<classes { dx[n * classes + k] += g * Float(exp(Double(x[n * classes + k]) - logSumExp[n])) }
            dx[n * classes + label] -= g
        }
    }
}
