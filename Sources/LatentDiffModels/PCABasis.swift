import LatentDiffKernels

/// A principal-component basis: x (D) <-> z (k) with
///     z = ((x - mean) V^T) / s,     x = mean + (z * s) V
/// for the k leading unit eigenvectors V (k, D) of the data covariance and s_i = sqrt(lambda_i),
/// so the latents have unit variance on the fitted data (whitening).
public struct PCABasis: Sendable {
    public let dimension: Int
    public let components: Int
    /// (D)
    public let mean: [Float]
    /// (k, D), rows are unit eigenvectors, largest eigenvalue first.
    public let basis: [Float]
    /// (k) standard deviation of the data along each component.
    public let scales: [Float]
    /// Fraction of the total variance the k components explain.
    public let explainedVariance: Double

    public init(mean: [Float], basis: [Float], scales: [Float], explainedVariance: Double) throws(LatentDiffError) {
        let d = mean.count, k = scales.count
        guard d > 0, k > 0, k <= d, basis.count == k * d else {
            throw .format("PCA basis: \(basis.count) values do not make \(k) components of dimension \(d)")
        }
        guard scales.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw .format("PCA basis: scales must be positive") }
        self.dimension = d
        self.components = k
        self.mean = mean
        self.basis = basis
        self.scales = scales
        self.explainedVariance = explainedVariance
    }

    /// Fits k components to `count` rows of dimension `dimension` (row-major).
    public static func fit(data: UnsafePointer<Float>, count: Int, dimension d: Int, components k: Int) throws(LatentDiffError) -> PCABasis {
        guard count > 1, d > 0 else { throw .invalidArgument("PCA needs at least 2 rows of dimension >= 1") }
        guard (1...d).contains(k) else { throw .invalidArgument("PCA components must be in 1...\(d), not \(k)") }
        var mean = [Double](repeating: 0, count: d)
        for n in 0..<count { for j in 0..<d { mean[j] += Double(data[n * d + j]) } }
        for j in 0..<d { mean[j] /= Double(count) }
        // Covariance C = X_c^T X_c / (N - 1) with X_c the centred rows, in chunks through sgemm.
        let chunk = 4096
        var covariance = [Float](repeating: 0, count: d * d)
        var centred = [Float](repeating: 0, count: chunk * d)
        var start = 0
        while start < count {
            let rows = min(chunk, count - start)
            for n in 0..<rows { for j in 0..<d { centred[n * d + j] = data[(start + n) * d + j] - Float(mean[j]) } }
            BLAS.sgemm(transA: true, m: d, n: d, k: rows, a: centred, lda: d, b: centred, ldb: d,
                       beta: start == 0 ? 0 : 1, c: &covariance, ldc: d)
            start += rows
        }
        let scale = 1 / Double(count - 1)
        let (values, vectors) = try SymmetricEigen.decompose(covariance.map { Double($0) * scale }, n: d)
        let total = values.reduce(0) { $0 + max(0, $1) }
        let kept = values.prefix(k).reduce(0) { $0 + max(0, $1) }
        return try PCABasis(
            mean: mean.map(Float.init),
            basis: vectors.prefix(k * d).map(Float.init),
            scales: values.prefix(k).map { Float(max($0, 1e-12).squareRoot()) },
            explainedVariance: total > 0 ? kept / total : 0)
    }

    /// (N, D) -> (N, k); each row's bits independent of N (a fixed-order product), as for (N, k) -> (N, D).
    public func encode(_ x: UnsafePointer<Float>, count: Int, into z: UnsafeMutablePointer<Float>) {
        var centred = [Float](repeating: 0, count: count * dimension)
        for n in 0..<count { for j in 0..<dimension { centred[n * dimension + j] = x[n * dimension + j] - mean[j] } }
        BLAS.sgemm(transB: true, m: count, n: components, k: dimension, a: centred,
                   lda: dimension, b: basis, ldb: dimension, c: z, ldc: components)
        for n in 0..<count { for i in 0..<components { z[n * components + i] /= scales[i] } }
    }

    /// (N, k) -> (N, D)
    public func decode(_ z: UnsafePointer<Float>, count: Int, into x: UnsafeMutablePointer<Float>) {
        var scaled = [Float](repeating: 0, count: count * components)
        for n in 0..<count { for i in 0..<components { scaled[n * components + i] = z[n * components + i] * scales[i] } }
        BLAS.sgemm(m: count, n: dimension, k: components, a: scaled, lda: components,
                   b: basis, ldb: dimension, c: x, ldc: dimension)
        for n in 0..<count { for j in 0..<dimension { x[n * dimension + j] += mean[j] } }
    }
}
