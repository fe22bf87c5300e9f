import LatentDiffKernels

/// The Fréchet distance between Gaussians fitted to two feature sets (rows of dimension d):
///     |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2)),
/// with tr((S_a S_b)^(1/2)) = sum sqrt(eig(S_a^(1/2) S_b S_a^(1/2))), all in Double.
public func frechetDistance(_ a: [Float], _ b: [Float], dimension d: Int) throws(LatentDiffError) -> Double {
    let (meanA, covarianceA) = try moments(a, dimension: d)
    let (meanB, covarianceB) = try moments(b, dimension: d)
    let rootA = try symmetricSquareRoot(covarianceA, d)
    let product = multiply(multiply(rootA, covarianceB, d), rootA, d)
    let (eigenvalues, _) = try SymmetricEigen.decompose(symmetrized(product, d), n: d)
    var distance = 0.0
    for i in 0..<d {
        distance += (meanA[i] - meanB[i]) * (meanA[i] - meanB[i]) + covarianceA[i * d + i] + covarianceB[i * d + i]
    }
    return distance - 2 * eigenvalues.reduce(0) { $0 + max(0, $1).squareRoot() }
}

/// Mean (d) and covariance (d, d) of rows, normalized by n - 1.
private func moments(_ rows: [Float], dimension d: Int) throws(LatentDiffError) -> ([Double], [Double]) {
    guard d > 0, rows.count % d == 0, rows.count / d >= 2 else {
        throw .invalidArgument("Fréchet distance needs at least 2 feature rows of dimension \(d)")
    }
    let n = rows.count / d
    var mean = [Double](repeating: 0, count: d)
    for r in 0..<n { for i in 0..<d { mean[i] += Double(rows[r * d + i]) } }
    for i in 0..<d { mean[i] /= Double(n) }
    var covariance = [Double](repeating: 0, count: d * d)
    var centred = [Double](repeating: 0, count: d)
    for r in 0..<n {
        for i in 0..<d { centred[i] = Double(rows[r * d + i]) - mean[i] }
        for i in 0..<d where centred[i] != 0 { for j in i..<d { covariance[i * d + j] += centred[i] * centred[j] } }
    }
    for i in 0..<d { for j in i..<d { covariance[i * d + j] /= Double(n - 1); covariance[j * d + i] = covariance[i * d + j] } }
    return (mean, covariance)
}

/// S^(1/2) = V diag(sqrt(max(lambda, 0))) V^T for symmetric positive semi-definite S.
private func symmetricSquareRoot(_ s: [Double], _ d: Int) throws(LatentDiffError) -> [Double] {
    let (values, vectors) = try SymmetricEigen.decompose(s, n: d)
    var root = [Double](repeating: 0, count: d * d)
    for k in 0..<d {
        let scale = max(0, values[k]).squareRoot()
        for i in 0..<d { for j in 0..<d { root[i * d + j] += scale * vectors[k * d + i] * vectors[k * d + j] } }
    }
    return root
}

private func multiply(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
    var c = [Double](repeating: 0, count: d * d)
    for i in 0..<d { for k in 0..<d where a[i * d + k] != 0 { for j in 0..<d { c[i * d + j] += a[i * d + k] * b[k * d + j] } } }
    return c
}

/// (M + M^T) / 2: removes rounding asymmetry before the symmetric eigensolver.
private func symmetrized(_ m: [Double], _ d: Int) -> [Double] {
    var s = m
    for i in 0..<d { for j in 0..<d { s[i * d + j] = (m[i * d + j] + m[j * d + i]) / 2 } }
    return s
}
