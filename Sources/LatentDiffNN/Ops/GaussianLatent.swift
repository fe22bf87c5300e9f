import LatentDiffKernels

/// The KL divergence of a diagonal Gaussian N(mu, exp(logvar)) from N(0, I), summed over a sample's
/// latent elements and averaged over the batch:
/// L = (1/B) sum 0.5 (mu^2 + exp(logvar) - 1 - logvar). mean, logVariance (B, ...) -> scalar (shape []).
public func gaussianKLDivergence(mean: Tensor, logVariance: Tensor) -> Tensor {
    precondition(mean.shape == logVariance.shape && mean.rank >= 1,
                 "gaussianKLDivergence: \(mean.shape) vs \(logVariance.shape)")
    let (mu, lv, count, batch) = (mean.data, logVariance.data, mean.count, mean.shape[0])
    return Tensor.make(shape: [], inputs: [mean, logVariance]) { y in
        var total = 0.0
        for i in 0..<count { total += 0.5 * Double(mu[i] * mu[i] + fastExp(lv[i]) - 1 - lv[i]) }
        y[0] = Float(total / Double(batch))
    } backward: { y in
        // dL/dmu = mu / B, dL/dlogvar = (exp(logvar) - 1) / (2 B)
        let g = y.gradBuffer()[0] / Float(batch)
        if mean.requiresGrad {
            let dmu = mean.gradBuffer()
            elementRanges(count) { r in for i in r { dmu[i] += g * mu[i] } }
        }
        if logVariance.requiresGrad {
            let dlv = logVariance.gradBuffer()
            elementRanges(count) { r in for i in r { dlv[i] += g * 0.5 * (fastExp(lv[i]) - 1) } }
        }
    }
}

/// The reparameterization trick: z = mu + exp(logvar / 2) eps, with eps (e.g. standard normal
/// noise) given. mean, logVariance, noise of one shape -> z of that shape.
public func reparameterize(mean: Tensor, logVariance: Tensor, noise: Tensor) -> Tensor {
    precondition(mean.shape == logVariance.shape && mean.shape == noise.shape,
                 "reparameterize: \(mean.shape), \(logVariance.shape), \(noise.shape)")
    let (mu, lv, eps, count) = (mean.data, logVariance.data, noise.data, mean.count)
    return Tensor.make(shape: mean.shape, inputs: [mean, logVariance, noise]) { z in
        elementRanges(count) { r in for i in r { z[i] = mu[i] + fastExp(0.5 * lv[i]) * eps[i] } }
    } backward: { z in
        // dz/dmu = 1, dz/dlogvar = exp(logvar / 2) eps / 2, dz/deps = exp(logvar / 2)
        let dz = z.gradBuffer()
        if mean.requiresGrad {
            let dmu = mean.gradBuffer()
            elementRanges(count) { r in for i in r { dmu[i] += dz[i] } }
        }
        if logVariance.requiresGrad {
            let dlv = logVariance.gradBuffer()
            elementRanges(count) { r in for i in r { dlv[i] += dz[i] * 0.5 * fastExp(0.5 * lv[i]) * eps[i] } }
        }
        if noise.requiresGrad {
            let deps = noise.gradBuffer()
            elementRanges(count) { r in for i in r { deps[i] += dz[i] * fastExp(0.5 * lv[i]) } }
        }
    }
}
