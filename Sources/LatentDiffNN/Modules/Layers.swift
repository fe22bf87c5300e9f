// The basic layers: each holds its parameters (from a ParameterStore) and applies one op.
// Weights default to PyTorch's initialization, uniform on +-1/sqrt(fan-in).

/// y = x W^T + b. x (..., in) -> y (..., out). Parameters `name.weight` (out, in), `name.bias` (out).
public struct Linear {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ store: ParameterStore, _ name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = try store.parameter(ParameterStore.join(name, "weight"), shape: [outFeatures, inFeatures],
                                     initializer: .uniform(bound: bound))
        self.bias = bias ? try store.parameter(ParameterStore.join(name, "bias"), shape: [outFeatures],
                                               initializer: .uniform(bound: bound)) : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }
}

/// A 2-D convolution. x (B, in, H, W) -> y (B, out, Ho, Wo). Parameters `name.weight`
/// (out, in, k, k), `name.bias` (out).
public struct Conv2d {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int

    /// `padding` defaults to kernel / 2, which keeps H and W at stride 1 for odd kernels.
    public init(_ store: ParameterStore, _ name: String, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int? = nil, bias: Bool = true) throws {
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        let shape = [outChannels, inChannels, kernel, kernel]
        weight = try store.parameter(ParameterStore.join(name, "weight"), shape: shape,
                                     initializer: .uniform(bound: bound))
        self.bias = bias ? try store.parameter(ParameterStore.join(name, "bias"), shape: [outChannels],
                                               initializer: .uniform(bound: bound)) : nil
        self.stride = stride
        self.padding = padding ?? kernel / 2
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
}

/// Group normalization. x (B, C, ...) -> same shape. Parameters `name.weight` (C, gamma, ones) and
/// `name.bias` (C, beta, zeros).
public struct GroupNorm {
    public let gamma: Tensor, beta: Tensor
    public let groups: Int
    public let epsilon: Float

    public init(_ store: ParameterStore, _ name: String, groups: Int, channels: Int, epsilon: Float = 1e-5) throws {
        gamma = try store.parameter(ParameterStore.join(name, "weight"), shape: [channels], initializer: .ones)
        beta = try store.parameter(ParameterStore.join(name, "bias"), shape: [channels], initializer: .zeros)
        self.groups = groups
        self.epsilon = epsilon
    }

    /// With `silu`, silu(GroupNorm(x)) in one fused op.
    public func callAsFunction(_ x: Tensor, silu: Bool = false) -> Tensor {
        groupNorm(x, groups: groups, gamma: gamma, beta: beta, epsilon: epsilon, silu: silu)
    }
}

/// Layer normalization over the last dimension. x (..., D) -> same shape. Parameters
/// `name.weight` (D, ones) and `name.bias` (D, zeros).
public struct LayerNorm {
    public let gamma: Tensor, beta: Tensor
    public let epsilon: Float

    public init(_ store: ParameterStore, _ name: String, features: Int, epsilon: Float = 1e-5) throws {
        gamma = try store.parameter(ParameterStore.join(name, "weight"), shape: [features], initializer: .ones)
        beta = try store.parameter(ParameterStore.join(name, "bias"), shape: [features], initializer: .zeros)
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, gamma: gamma, beta: beta, epsilon: epsilon) }
}

/// A table of learned vectors, one per label. labels (N) -> (N, D). Parameter `name.weight`
/// (count, D), standard normal.
public struct Embedding {
    public let table: Tensor

    public init(_ store: ParameterStore, _ name: String, count: Int, features: Int) throws {
        table = try store.parameter(ParameterStore.join(name, "weight"), shape: [count, features],
                                    initializer: .normal(std: 1))
    }

    public func callAsFunction(_ labels: [Int]) -> Tensor { embedding(labels, table: table) }
}
