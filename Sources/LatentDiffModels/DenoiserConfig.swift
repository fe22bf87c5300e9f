import LatentDiffIO
import LatentDiffKernels

/// Which network predicts the noise.
public enum DenoiserKind: String, Sendable, CaseIterable {
    /// For spatial latents and pixels (C, H, W).
    case unet
    /// For vector latents (d).
    case mlp
}

/// Everything needed to build a denoiser (docs/architectures.md).
public struct DenoiserConfig: Sendable, Equatable {
    public var kind: DenoiserKind
    /// The shape of one input: (C, H, W) for the U-Net, (d) for the MLP.
    public var inputShape: [Int]
    /// unet: the two level widths (48, 96); mlp: one entry, the hidden width (256).
    public var widths: [Int]
    /// mlp: residual blocks (3); unet: unused (see resBlocks).
    public var blocks: Int
    /// unet: ResBlocks per level (1); mlp: unused.
    public var resBlocks: Int
    /// unet: self-attention at the lowest level.
    public var attention: Bool
    /// Classes for conditioning; 0 = unconditional. The embedding table has one more row, "no class".
    public var classCount: Int
    public var dropout: Float

    public init(kind: DenoiserKind, inputShape: [Int], widths: [Int]? = nil, blocks: Int = 3, resBlocks: Int = 1,
                attention: Bool = true, classCount: Int = 0, dropout: Float = 0) {
        self.kind = kind
        self.inputShape = inputShape
        self.widths = widths ?? (kind == .unet ? [48, 96] : [256])
        self.blocks = blocks
        self.resBlocks = resBlocks
        self.attention = attention
        self.classCount = classCount
        self.dropout = dropout
    }

    /// The width of the time (+ class) embedding: 4 w0 for the U-Net, the hidden width for the MLP.
    public var embeddingWidth: Int { kind == .unet ? 4 * widths[0] : widths[0] }

    /// unet: the heads of each self-attention block, one per 32 channels of w1 (at least one).
    public var attentionHeads: Int { max(1, widths[1] / 32) }

    public func validate() throws(LatentDiffError) {
        switch kind {
        case .unet:
            try formatCheck(inputShape.count == 3 && (1...64).contains(inputShape[0]) && (2...256).contains(inputShape[1])
                      && (2...256).contains(inputShape[2]), "unet: input shape \(inputShape) is not (1...64, 2...256, 2...256)")
            try formatCheck(widths.count == 2 && widths.allSatisfy { (8...1024).contains($0) && $0 % 8 == 0 },
                      "unet: two widths, multiples of 8 in 8...1024")
            try formatCheck(!attention || widths[1] % attentionHeads == 0,
                      "unet: width \(widths[1]) does not split into its \(attentionHeads) attention heads (one per 32 channels)")
            try formatCheck((1...8).contains(resBlocks), "unet: ResBlocks per level must be in 1...8")
        case .mlp:
            try formatCheck(inputShape.count == 1 && (1...65536).contains(inputShape[0]), "mlp: input shape \(inputShape) is not (1...65536)")
            try formatCheck(widths.count == 1 && (1...8192).contains(widths[0]), "mlp: one hidden width in 1...8192")
            try formatCheck((1...64).contains(blocks), "mlp: blocks must be in 1...64")
        }
        try formatCheck((0...100_000).contains(classCount), "denoiser: class count must be in 0...100000")
        try formatCheck(dropout.isFinite && (0..<1).contains(dropout), "denoiser: dropout must be in [0, 1)")
    }

    public var json: JSON {
        ["kind": .string(kind.rawValue), "input_shape": .ints(inputShape), "widths": .ints(widths),
         "blocks": .number(Double(blocks)), "res_blocks": .number(Double(resBlocks)), "attention": .bool(attention),
         "class_count": .number(Double(classCount)), "dropout": .number(Double(dropout))]
    }

    public init(json: JSON) throws(LatentDiffError) {
        let context = "denoiser configuration"
        self.init(kind: try json.enumValue("kind", in: context), inputShape: try json.ints("input_shape", in: context))
        widths = try json.ints("widths", in: context)
        blocks = try json.int("blocks", in: context)
        // Files written before U-Nets had a depth setting hold one ResBlock per level.
        resBlocks = json["res_blocks"] == nil ? 1 : try json.int("res_blocks", in: context)
        guard let attention = try json.required("attention", in: context).boolValue else {
            throw .format("\(context): field 'attention' must be true or false")
        }
        self.attention = attention
        classCount = try json.int("class_count", in: context)
        dropout = try json.float("dropout", in: context)
        try validate()
    }
}
