import LatentDiffKernels

/// Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"):
///
///     p <- p - lr * wd * p
///     m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
///     p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
///
/// The moments are tensors beside the parameters (same order, same shapes) so a checkpoint can
/// store and restore them exactly.
public final class AdamW {
    public let parameters: [Tensor]
    public let firstMoments: [Tensor]
    public let secondMoments: [Tensor]
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Updates taken so far (t in the bias corrections).
    public var step: Int = 0

    public init(
        parameters: [Tensor], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0
    ) {
        self.parameters = parameters
        firstMoments = parameters.map { Tensor(zeros: $0.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.shape) }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update of every parameter that has a gradient, at learning rate `learningRate`.
    public func update(learningRate: Float) {
        step += 1
        let correction1 = 1 - Float(Double(beta1).power(step))
        let correction2 = 1 - Float(Double(beta2).power(step))
        let decay = 1 - learningRate * weightDecay
        for (index, parameter) in parameters.enumerated() {
            guard let g = parameter.grad else { continue }
            let p = parameter.data, m = firstMoments[index].data, v = secondMoments[index].data
            let (b1, b2, eps) = (beta1, beta2, epsilon)
            // About 16 operations per element; large tensors are shared between threads.
            Parallel.forEach(parameter.count, workPerItem: 16) { range in
                for i in range {
                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                    let mHat = m[i] / correction1
                    let vHat = v[i] / correction2
                    p[i] = p[i] * decay - learningRate * mHat / (vHat.squareRoot() + eps)
                }
            }
        }
    }

    /// Zeroes every parameter's gradient.
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
}

extension Double {
    /// self^n for a non-negative integer n, by repeated squaring.
    func power(_ n: Int) -> Double {
        var result = 1.0, base = self, n = n
        while n > 0 {
            if n & 1 == 1 { result *= base }
            base *= base
            n >>= 1
        }
        return result
    }
}
