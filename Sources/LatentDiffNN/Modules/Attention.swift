/// A self-attention block over image positions with a residual connection.
/// x (B, C, H, W) -> x + spatialSelfAttention(norm(x)), `heads` heads of C / heads channels.
/// Parameters `name.norm.*`, `name.qkv.*` (1x1 conv, C -> 3C), `name.proj_out.*` (1x1 conv, C -> C).
public struct Attention {
    public let norm: GroupNorm
    public let qkv: Conv2d
    public let output: Conv2d
    public let heads: Int

    public init(_ store: ParameterStore, _ name: String, channels: Int, heads: Int, groups: Int) throws {
        let join = { ParameterStore.join(name, $0) }
        norm = try GroupNorm(store, join("norm"), groups: groups, channels: channels)
        qkv = try Conv2d(store, join("qkv"), inChannels: channels, outChannels: 3 * channels, kernel: 1)
        output = try Conv2d(store, join("proj_out"), inChannels: channels, outChannels: channels, kernel: 1)
        self.heads = heads
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        add(x, spatialSelfAttention(norm(x), qkvWeight: qkv.weight, qkvBias: qkv.bias,
                                    outputWeight: output.weight, outputBias: output.bias, heads: heads))
    }
}
