import LatentDiffKernels

/// The nearest reference row of each query row by Euclidean distance, with references given
/// block by block (a training set need not be in memory at once).
///
/// For queries Q (m, d) and a block of references R (n, d), the squared distances are
/// ||q_i||^2 + ||r_j||^2 - 2 (Q R^T)_ij, with Q R^T from the fixed-order `BLAS.sgemm`; the
/// queries are cut into batches of `queryBatch` rows spread over the threads, each batch one
/// product against the block and one scan of its rows. The nearest row is the smallest of these
/// (the lower index on ties); its distance is then recomputed directly as sum_k (q_k - r_k)^2,
/// so an exact copy has distance 0 whatever the rounding of the product.
public struct NearestNeighbours: Sendable {
    public let count: Int
    public let dimension: Int
    /// The nearest reference of each query so far (-1 before any reference).
    public private(set) var indices: [Int]
    /// sum_k (q_k - r_k)^2 to that reference (infinity before any reference).
    public private(set) var squaredDistances: [Float]
    /// How many references were added.
    public private(set) var referenceCount = 0
    private let queries: [Float]
    private let queryNorms: [Float]
    /// The matrix-product distance of the nearest reference so far, which later blocks must beat.
    private var bestProductDistances: [Float]

    /// Query rows of a batch: a (queryBatch, block) product is 1 MiB for blocks of 1,024.
    static let queryBatch = 256

    /// `queries` holds `count` rows of `dimension` values.
    public init(queries: [Float], count: Int, dimension: Int) throws(LatentDiffError) {
        guard count > 0, dimension > 0, queries.count == count * dimension else {
            throw .invalidArgument("\(queries.count) values are not \(count) rows of \(dimension)")
        }
        self.count = count
        self.dimension = dimension
        self.queries = queries
        queryNorms = queries.withUnsafeBufferPointer { q in
            (0..<count).map { Reduce.dot(q.baseAddress! + $0 * dimension, q.baseAddress! + $0 * dimension, count: dimension) }
        }
        indices = [Int](repeating: -1, count: count)
        squaredDistances = [Float](repeating: .infinity, count: count)
        bestProductDistances = [Float](repeating: .infinity, count: count)
    }

    /// Adds the next `references.count / dimension` reference rows, numbered from
    /// `referenceCount` on, searching on `threads` threads.
    public mutating func add(references: [Float], threads: Int) throws(LatentDiffError) {
        let d = dimension, m = count
        guard references.count % d == 0 else { throw .invalidArgument("\(references.count) values are not rows of \(d)") }
        let n = references.count / d, first = referenceCount
        guard n > 0 else { return }
        let referenceNorms = references.withUnsafeBufferPointer { r in
            (0..<n).map { Reduce.dot(r.baseAddress! + $0 * d, r.baseAddress! + $0 * d, count: d) }
        }
        let batchCount = (m + Self.queryBatch - 1) / Self.queryBatch
        let (queries, queryNorms) = (self.queries, self.queryNorms)
        queries.withUnsafeBufferPointer { q in
            references.withUnsafeBufferPointer { r in
                indices.withUnsafeMutableBufferPointer { index in
                    squaredDistances.withUnsafeMutableBufferPointer { exact in
                        bestProductDistances.withUnsafeMutableBufferPointer { best in
                            let (q, r, index, exact, best) = (q.baseAddress!, r.baseAddress!, index, exact, best)
                            Parallel.forEachItem(batchCount, threads: threads) { batch in
                                let rows = (batch * Self.queryBatch)..<min(m, (batch + 1) * Self.queryBatch)
                                let product = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * n)
                                defer { product.deallocate() }
                                // product (rows, n) = Q[rows] (rows, d) R^T (d, n)
                                BLAS.sgemm(transB: true, m: rows.count, n: n, k: d, a: q + rows.lowerBound * d, lda: d,
                                           b: r, ldb: d, c: product, ldc: n)
                                for i in rows {
                                    let dots = product + (i - rows.lowerBound) * n
                                    var nearest = -1, smallest = best[i]
                                    for j in 0..<n {
                                        let distance = queryNorms[i] + referenceNorms[j] - 2 * dots[j]
                                        if distance < smallest { (nearest, smallest) = (j, distance) }
                                    }
                                    guard nearest >= 0 else { continue }
                                    best[i] = smallest
                                    index[i] = first + nearest
                                    exact[i] = Self.squaredDistance(q + i * d, r + nearest * d, count: d)
                                }
                            }
                        }
                    }
                }
            }
        }
        referenceCount += n
    }

    /// sum_k (a_k - b_k)^2, in eight lanes.
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var k = 0
        while k + 8 <= count {
            let difference = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD8<Float>.self)
                - UnsafeRawPointer(b + k).loadUnaligned(as: SIMD8<Float>.self)
            lanes += difference * difference
            k += 8
        }
        var total = lanes.sum()
        while k < count { total += (a[k] - b[k]) * (a[k] - b[k]); k += 1 }
        return total
    }

    /// The root mean square difference to the nearest reference: sqrt(squared distance / d).
    public var rmsDistances: [Double] { squaredDistances.map { (Double($0) / Double(dimension)).squareRoot() } }
}
