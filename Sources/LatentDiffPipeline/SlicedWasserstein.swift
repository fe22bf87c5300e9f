#if canImport(Glibc)
import Glibc
#endif

/// The sliced Wasserstein-1 distance between two 2-D point clouds: the mean over `directions`
/// evenly spaced unit vectors theta of W1 between the projections <p, theta>, each W1 computed
/// from quantiles u = (i + 1/2) / m, m = max(|a|, |b|).
public func slicedWasserstein(_ a: [(Double, Double)], _ b: [(Double, Double)], directions: Int = 180) -> Double {
    guard !a.isEmpty, !b.isEmpty else { return .nan }
    let m = max(a.count, b.count)
    var total = 0.0
    for d in 0..<directions {
        let angle = Double.pi * Double(d) / Double(directions)
        let (c, s) = (cos(angle), sin(angle))
        let pa = a.map { $0.0 * c + $0.1 * s }.sorted(), pb = b.map { $0.0 * c + $0.1 * s }.sorted()
        var sum = 0.0
        for i in 0..<m {
            let u = (Double(i) + 0.5) / Double(m)
            sum += abs(pa[Int(u * Double(pa.count))] - pb[Int(u * Double(pb.count))])
        }
        total += sum / Double(m)
    }
    return total / Double(directions)
}
