import LatentDiffKernels

/// y[b, c, ...] = x[b, c, ...] + v[c] for v (C), or + v[b, c] for v (B, C): a per-channel bias or a
/// per-sample conditioning vector (how a time embedding enters a ResBlock).
/// x (B, C, ...) -> y (B, C, ...).
public func addChannelwise(_ x: Tensor, _ v: Tensor) -> Tensor {
    precondition(x.rank >= 2, "addChannelwise: x must be (B, C, ...)")
    let batch = x.shape[0], channels = x.shape[1]
    let perSample = v.shape == [batch, channels]
    precondition(perSample || v.shape == [channels], "addChannelwise: v \(v.shape) for x \(x.shape)")
    let plane = x.count / max(1, batch * channels)
    let (xs, vs) = (x.data, v.data)
    // The entry of v for the (b, c) plane.
    let index: (Int) -> Int = perSample ? { bc in bc } : { bc in bc % channels }
    return Tensor.make(shape: x.shape, inputs: [x, v], overwrites: true) { y in
        Parallel.forEach(batch * channels, workPerItem: plane) { range in
            for bc in range {
                let shift = vs[index(bc)]
                let (source, target) = (xs + bc * plane, y + bc * plane)
                for s in 0..<plane { target[s] = source[s] + shift }
            }
        }
    } backward: { y in
        let dy = y.gradBuffer()
        if x.requiresGrad {
            let dx = x.gradBuffer()
            elementRanges(x.count) { r in for i in r { dx[i] += dy[i] } }
        }
        if v.requiresGrad {
            // dv[c] (or dv[b, c]) += sum over the plane of dy, planes in order.
            let dv = v.gradBuffer()
            for bc in 0..<(batch * channels) { dv[index(bc)] += Reduce.sum(dy + bc * plane, count: plane) }
        }
    }
}
