import LatentDiffKernels

/// y = x W^T + b: a fully connected layer.
/// x (..., in) with the leading dimensions flattened to N rows, weight (out, in), bias (out)
/// -> y (..., out). A row's bits do not depend on the other rows, in training or inference (`BLAS.sgemm`).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2 && x.rank >= 1, "linear: weight must be (out, in)")
    let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
    precondition(x.shape.last == inFeatures, "linear: x \(x.shape) for weight \(weight.shape)")
    precondition(bias.map { $0.shape == [outFeatures] } ?? true, "linear: bias must be (\(outFeatures))")
    let rows = x.count / inFeatures
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Tensor.make(shape: Array(x.shape.dropLast()) + [outFeatures], inputs: inputs, overwrites: true) { y in
        // y (N, out) = x (N, in) W^T (in, out)
        FlopCount.addProduct(m: rows, n: outFeatures, k: inFeatures)
        BLAS.sgemm(transB: true, m: rows, n: outFeatures, k: inFeatures,
                   a: x.data, lda: inFeatures, b: weight.data, ldb: inFeatures, c: y, ldc: outFeatures)
        if let bias { addRowVector(bias.data, to: y, rows: rows, columns: outFeatures) }
    } backward: { y in
        let dy = y.gradBuffer()
        if x.requiresGrad {
            // dx (N, in) += dy (N, out) W (out, in)
            BLAS.sgemm(m: rows, n: inFeatures, k: outFeatures, a: dy, lda: outFeatures,
                       b: weight.data, ldb: inFeatures, beta: 1, c: x.gradBuffer(), ldc: inFeatures)
        }
        if weight.requiresGrad {
            // dW (out, in) += dy^T (out, N) x (N, in)
            BLAS.sgemm(transA: true, m: outFeatures, n: inFeatures, k: rows, a: dy, lda: outFeatures,
                       b: x.data, ldb: inFeatures, beta: 1, c: weight.gradBuffer(), ldc: inFeatures)
        }
        if let bias, bias.requiresGrad {
            // db (out) += sum over rows of dy
            addColumnSums(of: dy, rows: rows, columns: outFeatures, to: bias.gradBuffer())
        }
    }
}

/// m[r, c] += v[c] for a row-major (rows, columns) matrix m.
func addRowVector(_ v: UnsafePointer<Float>, to m: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = m + r * columns
        for c in 0..<columns { row[c] += v[c] }
    }
}

/// out[c] += sum over r of m[r, c], rows summed in order.
func addColumnSums(of m: UnsafePointer<Float>, rows: Int, columns: Int, to out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = m + r * columns
        for c in 0..<columns { out[c] += row[c] }
    }
}
