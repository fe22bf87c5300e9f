import CSIMDLoops
import LatentDiffKernels

/// Group normalization with a per-channel affine map, optionally followed by SiLU.
/// x (B, C, ...) with the trailing dimensions flattened to S, C divisible by `groups`;
/// gamma, beta (C) -> y (B, C, ...), y = h or silu(h) with h = (x - mean) / sqrt(var + epsilon)
/// gamma[c] + beta[c], mean and (biased) var over the C/groups channels and S positions of each
/// sample's group. With `silu`, h is never stored: one pass writes y, and backward recomputes h
/// (the same bits as silu(groupNorm(x)), with one tensor less to write, read and zero).
public func groupNorm(_ x: Tensor, groups: Int, gamma: Tensor, beta: Tensor, epsilon: Float = 1e-5,
                      silu: Bool = false) -> Tensor {
    let maps = GroupNormMaps(x, groups: groups, gamma: gamma, beta: beta, epsilon: epsilon)
    let batch = x.shape[0], channels = x.shape[1]
    let plane = x.count / max(1, batch * channels)
    let perGroup = channels / groups, groupSize = perGroup * plane
    let (mean, rstd) = (maps.mean, maps.rstd)
    return Tensor.make(shape: x.shape, inputs: [x, gamma, beta], overwrites: true) { y in
        Parallel.forEach(batch, workPerItem: 2 * channels * plane) { range in
            let first = range.lowerBound * channels
            maps.withMaps { scale, shift in
                simd_scale_shift(x.data + first * plane, y + first * plane, range.count * channels, plane, scale + first,
                                 shift + first, silu ? 1 : 0)
            }
        }
    } backward: { y in
        // dy of h: y's gradient, or with SiLU that times silu'(h) (in a scratch buffer).
        let dyOfY = y.gradBuffer()
        let scratch = silu ? BufferCache.shared.allocate(x.count) : nil
        defer { scratch.map { BufferCache.shared.release($0, count: x.count) } }
        if let scratch {
            Parallel.forEach(batch * channels, workPerItem: 24 * plane) { range in
                // scratch = dy silu'(h)
                let first = range.lowerBound
                maps.withMaps { scale, shift in
                    simd_silu_gradient_of_scale_shift(x.data + first * plane, dyOfY + first * plane, scratch + first * plane,
                                                      range.count, plane, scale + first, shift + first)
                }
            }
        }
        let dy = UnsafePointer(scratch ?? dyOfY)
        // Per (b, c): sum_s dy and sum_s dy x.
        var sumDy = [Float](repeating: 0, count: batch * channels), sumDyX = sumDy
        sumDy.withUnsafeMutableBufferPointer { sdy in
            sumDyX.withUnsafeMutableBufferPointer { sdyx in
                Parallel.forEach(batch * channels, workPerItem: 2 * plane) { range in
                    for bc in range {
                        sdy[bc] = Reduce.sum(dy + bc * plane, count: plane)
                        sdyx[bc] = Reduce.dot(dy + bc * plane, x.data + bc * plane, count: plane)
                    }
                }
            }
        }
        if x.requiresGrad {
            // dx = rstd (dxhat - mean_g(dxhat) - xhat mean_g(dxhat xhat)), dxhat = dy gamma.
            let dx = x.gradBuffer()
            Parallel.forEach(batch, workPerItem: 3 * channels * plane) { range in
                for b in range {
                    for g in 0..<groups {
                        let bg = b * groups + g
                        let (m, r) = (mean[bg], rstd[bg])
                        var sumDxhat: Float = 0, sumDxhatXhat: Float = 0
                        for c in (g * perGroup)..<((g + 1) * perGroup) {
                            let bc = b * channels + c
                            sumDxhat += gamma.data[c] * sumDy[bc]
                            sumDxhatXhat += gamma.data[c] * r * (sumDyX[bc] - m * sumDy[bc])
                        }
                        let meanDxhat = sumDxhat / Float(groupSize), meanDxhatXhat = sumDxhatXhat / Float(groupSize)
                        for c in (g * perGroup)..<((g + 1) * perGroup) {
                            let offset = (b * channels + c) * plane
                            // dx += gamma r dy - r (meanDxhat + xhat meanDxhatXhat), xhat = (x - m) r
                            simd_group_norm_input_gradient(x.data + offset, dy + offset, dx + offset, plane,
                                                           gamma.data[c] * r, m, r, meanDxhat, meanDxhatXhat)
                        }
                    }
                }
            }
        }
        // dgamma[c] += sum_b rstd (sum dy x - mean sum dy); dbeta[c] += sum_b sum dy; b in order.
        if gamma.requiresGrad {
            let dgamma = gamma.gradBuffer()
            for b in 0..<batch {
                for c in 0..<channels {
                    let (bg, bc) = (b * groups + c / perGroup, b * channels + c)
                    dgamma[c] += rstd[bg] * (sumDyX[bc] - mean[bg] * sumDy[bc])
                }
            }
        }
        if beta.requiresGrad {
            addColumnSums(of: sumDy, rows: batch, columns: channels, to: beta.gradBuffer())
        }
    }
}

/// Group normalization's statistics of x (B, C, ...) and the map it applies to each (b, c) plane.
struct GroupNormMaps {
    /// (B, G): each group's mean and 1 / sqrt(var + epsilon).
    let mean: [Float], rstd: [Float]
    /// (B, C): h = x scale + shift on plane (b, c), scale = rstd gamma, shift = beta - mean scale.
    let scale: [Float], shift: [Float]

    init(_ x: Tensor, groups: Int, gamma: Tensor, beta: Tensor, epsilon: Float) {
        precondition(x.rank >= 2, "groupNorm: x must be (B, C, ...)")
        let batch = x.shape[0], channels = x.shape[1]
        precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels in \(groups) groups")
        precondition(gamma.shape == [channels] && beta.shape == [channels],
                     "groupNorm: gamma and beta must be (\(channels))")
        let plane = x.count / max(1, batch * channels)
        let perGroup = channels / groups, groupSize = perGroup * plane
        var mean = [Float](repeating: 0, count: batch * groups), rstd = mean
        mean.withUnsafeMutableBufferPointer { meanOut in
            rstd.withUnsafeMutableBufferPointer { rstdOut in
                Parallel.forEach(batch * groups, workPerItem: 2 * groupSize) { range in
                    for bg in range {
                        let start = x.data + bg * groupSize
                        let m = Reduce.sum(start, count: groupSize) / Float(groupSize)
                        let variance = Reduce.squaredDeviation(start, count: groupSize, center: m) / Float(groupSize)
                        meanOut[bg] = m
                        rstdOut[bg] = 1 / (variance + epsilon).squareRoot()
                    }
                }
            }
        }
        var scale = [Float](repeating: 0, count: batch * channels), shift = scale
        for b in 0..<batch {
            for c in 0..<channels {
                let (bg, bc) = (b * groups + c / perGroup, b * channels + c)
                scale[bc] = rstd[bg] * gamma.data[c]
                shift[bc] = beta.data[c] - mean[bg] * scale[bc]
            }
        }
        (self.mean, self.rstd, self.scale, self.shift) = (mean, rstd, scale, shift)
    }

    /// Runs `body` with pointers to `scale` and `shift` (valid only inside it); not at all when
    /// there are no planes (C = 0), where there is nothing to map.
    func withMaps(_ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> Void) {
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                guard let scale = scale.baseAddress, let shift = shift.baseAddress else { return }
                body(scale, shift)
            }
        }
    }
}
