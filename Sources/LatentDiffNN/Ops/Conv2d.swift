import LatentDiffKernels

/// y = W * x + b, a 2-D convolution (cross-correlation) with a square kernel.
/// x (B, Cin, H, W), weight (Cout, Cin, k, k), bias (Cout) -> y (B, Cout, Ho, Wo) with
/// Ho = (H + 2 padding - k) / stride + 1.
///
/// Forward: y = conv(x) (`Convolution.forward`, the fixed-order kernel: an image's bits do not
/// depend on its batch). Backward:
///   db[o] += sum over b, y, x of dy[b, o, y, x]
///   dW (Cout, Cin k k) += dY (Cout, B Ho Wo) im2col(x)^T          (`addWeightGradient`)
///   dx += conv(dy; W flipped, channel axes swapped, padding k - 1 - p) at stride 1, else
///   dx += col2im(W^T dY)                                          (`addInputGradient`)
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, columnBudget: 1 << 18)
}

/// `conv2d` with im2col columns of at most `columnBudget` floats per chunk of the batch (or one image).
func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int, columnBudget: Int) -> Tensor {
    precondition(x.rank == 4 && weight.rank == 4, "conv2d: x must be (B, C, H, W), weight (Cout, Cin, k, k)")
    let outChannels = weight.shape[0], kernel = weight.shape[2]
    precondition(weight.shape[1] == x.shape[1] && weight.shape[3] == kernel,
                 "conv2d: weight \(weight.shape) for x \(x.shape)")
    precondition(bias.map { $0.shape == [outChannels] } ?? true, "conv2d: bias must be (\(outChannels))")
    let whole = ConvGeometry(batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                             kernel: kernel, stride: stride, padding: padding)
    let convolution = Convolution(whole, outChannels: outChannels, columnBudget: columnBudget)
    // At stride 1, dx is itself a convolution (of dy, with the kernel flipped).
    let backwardByConvolution = stride == 1 && kernel - 1 - padding >= 0
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let outShape = [whole.batch, outChannels, whole.outHeight, whole.outWidth]
    return Tensor.make(shape: outShape, inputs: inputs, overwrites: true) { y in
        FlopCount.addProduct(m: outChannels, n: whole.columnCount, k: whole.columnRows)
        convolution.forward(x.data, weight: weight.data, bias: bias?.data, into: y)
    } backward: { y in
        let dy = y.gradBuffer()
        if let bias, bias.requiresGrad {
            addChannelSums(of: dy, batch: whole.batch, channels: outChannels,
                           plane: whole.outHeight * whole.outWidth, to: bias.gradBuffer())
        }
        if weight.requiresGrad { convolution.addWeightGradient(x.data, dy: dy, into: weight.gradBuffer()) }
        guard x.requiresGrad else { return }
        let flipped = backwardByConvolution ? flippedKernel(weight) : nil
        convolution.addInputGradient(dy, weight: weight.data, flipped: flipped?.data, into: x.gradBuffer())
    }
}

/// The kernel of the convolution that maps dy to dx at stride 1:
/// flipped[c, o, i, j] = W[o, c, k - 1 - i, k - 1 - j]. weight (Cout, Cin, k, k) -> (Cin, Cout, k, k).
private func flippedKernel(_ weight: Tensor) -> Tensor {
    let (outChannels, inChannels, kernel) = (weight.shape[0], weight.shape[1], weight.shape[2])
    let kk = kernel * kernel
    let flipped = Tensor(uninitialized: [inChannels, outChannels, kernel, kernel], requiresGrad: false)
    for o in 0..<outChannels {
        for c in 0..<inChannels {
            let (target, source) = (flipped.data + (c * outChannels + o) * kk, weight.data + (o * inChannels + c) * kk)
            for t in 0..<kk { target[t] = source[kk - 1 - t] }
        }
    }
    return flipped
}

/// out[c] += sum over b and p of v[b, c, p]; v is (B, C, P), each channel summed in the same order.
private func addChannelSums(of v: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int,
                    to out: UnsafeMutablePointer<Float>) {
    Parallel.forEach(channels, workPerItem: batch * plane) { range in
        for c in range {
            var sum: Float = 0
            for b in 0..<batch { sum += Reduce.sum(v + (b * channels + c) * plane, count: plane) }
            out[c] += sum
        }
    }
}
