import COpenBLAS

/// Eigen-decomposition of a real symmetric matrix through LAPACK's dsyevd (in OpenBLAS).
public enum SymmetricEigen {
    /// For a symmetric n x n `matrix` (row-major, Double), returns the eigenvalues in descending
    /// order and the matching unit eigenvectors as rows of an n x n matrix: vectors[i * n + j] is
    /// component j of eigenvector i.
    public static func decompose(_ matrix: [Double], n: Int) throws(LatentDiffError) -> (values: [Double], vectors: [Double]) {
        guard n > 0, matrix.count == n * n else {
            throw .invalidArgument("eigen-decomposition needs an n x n matrix, got \(matrix.count) values for n = \(n)")
        }
        // A symmetric row-major matrix is its own column-major transpose; LAPACK returns the
        // eigenvectors as columns (column-major), i.e. as rows of the row-major result.
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var info: Int32 = 0
        var size = Int32(n), lda = Int32(n)
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        // Workspace query, then the decomposition.
        var workSize = 0.0, iworkSize: Int32 = 0, query: Int32 = -1
        dsyevd_(&jobz, &uplo, &size, &a, &lda, &w, &workSize, &query, &iworkSize, &query, &info)
        guard info == 0 else { throw .init(.internalError, "dsyevd workspace query failed (info \(info))") }
        var lwork = Int32(workSize), liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &size, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw .init(.numeric, "the eigen-decomposition did not converge (info \(info))") }
        // dsyevd sorts ascending; reverse to descending.
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            let source = n - 1 - i
            values[i] = w[source]
            for j in 0..<n { vectors[i * n + j] = a[source * n + j] }
        }
        return (values, vectors)
    }
}
