import LatentDiffKernels
@testable import LatentDiffNN

/// Values uniform on [-scale, scale), reproducible from `seed`.
func seededTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, requiresGrad: Bool = true) -> Tensor {
    let tensor = Tensor(zeros: shape, requiresGrad: requiresGrad)
    Philox(seed: seed).fillUniforms(tensor.data, count: tensor.count, stream: 0)
    for i in 0..<tensor.count { tensor.data[i] = (2 * tensor.data[i] - 1) * scale }
    return tensor
}

/// Finite-difference gradient checking.
///
/// With fixed random weights w, L = sum_j w_j f()_j. The analytic gradient of L with respect to
/// every element of every input that requires a gradient comes from `backward(seed: w)`; the
/// numeric one from central differences (L(x + e) - L(x - e)) / 2e, L summed in Double. An element
/// fails when |analytic - numeric| > absolute + relative max(|analytic|, |numeric|).
struct GradientCheck {
    var epsilon: Float = 1e-2
    var relative: Double = 1e-2
    var absolute: Double = 1e-3

    /// One line per failing element (empty when all agree). `f` must read the inputs' current values.
    func mismatches(_ inputs: [Tensor], _ f: () -> Tensor) -> [String] {
        for input in inputs { input.zeroGrad() }
        let output = f()
        let weights = seededTensor(output.shape, seed: 99, requiresGrad: false).values
        output.backward(seed: weights)
        func loss() -> Double {
            let y = f()
            var total = 0.0
            for j in 0..<y.count { total += Double(weights[j]) * Double(y.data[j]) }
            return total
        }
        var failures: [String] = []
        for (n, input) in inputs.enumerated() where input.requiresGrad {
            let analytic = input.gradValues ?? [Float](repeating: 0, count: input.count)
            for i in 0..<input.count {
                let saved = input.data[i]
                input.data[i] = saved + epsilon
                let (up, plus) = (loss(), Double(input.data[i]))
                input.data[i] = saved - epsilon
                let (down, minus) = (loss(), Double(input.data[i]))
                input.data[i] = saved
                let numeric = (up - down) / (plus - minus)
                let a = Double(analytic[i])
                if abs(a - numeric) > absolute + relative * max(abs(a), abs(numeric)) {
                    failures.append("input \(n) \(input.shape) element \(i): analytic \(a), numeric \(numeric)")
                }
            }
        }
        return failures
    }
}
