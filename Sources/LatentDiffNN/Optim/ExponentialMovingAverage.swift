/// An exponential moving average of parameters, kept beside them:
///     shadow <- d * shadow + (1 - d) * p,   d = min(decay, (1 + n) / (10 + n))
/// for update number n, so early averages are not dominated by the random initialization.
/// Sampling uses the shadow copy.
public final class ExponentialMovingAverage {
    public let parameters: [Tensor]
    /// The averaged values, same order and shapes as `parameters`; they require no gradient.
    public let shadows: [Tensor]
    public var decay: Float
    public var updates: Int = 0

    public init(parameters: [Tensor], decay: Float = 0.999) {
        self.parameters = parameters
        shadows = parameters.map { $0.detached() }
        self.decay = decay
    }

    public func update() {
        let d = min(decay, Float(1 + updates) / Float(10 + updates))
        updates += 1
        for (parameter, shadow) in zip(parameters, shadows) {
            let p = parameter.data, s = shadow.data
            for i in 0..<parameter.count { s[i] = d * s[i] + (1 - d) * p[i] }
        }
    }
}
