import LatentDiffIO
import LatentDiffKernels

/// How images become latents (docs/design.md, "Codecs").
public enum CodecKind: String, Sendable, CaseIterable {
    /// The pixels themselves: pixel-space diffusion.
    case identity
    /// k principal components, whitened.
    case pca
    /// A fully connected VAE with a d-dimensional latent.
    case vaeMLP = "vae-mlp"
    /// A convolutional VAE with a c x h x w latent.
    case vaeCNN = "vae-cnn"
}

/// Everything needed to build a codec (its tensors come from the model file or training).
public struct CodecConfig: Sendable, Equatable {
    public var kind: CodecKind
    /// (C, H, W) of the images.
    public var imageShape: [Int]
    /// pca: components; vae-mlp: latent dimension d; vae-cnn: latent channels c; identity: unused.
    public var latentSize: Int
    /// vae-mlp: hidden widths (512, 256); vae-cnn: the stage widths, 2 to 4 of them (32, 64): each
    /// stage halves the image (4x with two, 8x with three).
    public var widths: [Int]
    /// Weight of the KL term per latent element (VAEs).
    public var klWeight: Float

    public init(kind: CodecKind, imageShape: [Int], latentSize: Int? = nil, widths: [Int]? = nil, klWeight: Float = 1e-4) {
        self.kind = kind
        self.imageShape = imageShape
        switch kind {
        case .identity: self.latentSize = 0
        case .pca: self.latentSize = latentSize ?? 64
        case .vaeMLP: self.latentSize = latentSize ?? 32
        case .vaeCNN: self.latentSize = latentSize ?? 4
        }
        self.widths = widths ?? (kind == .vaeMLP ? [512, 256] : kind == .vaeCNN ? [32, 64] : [])
        self.klWeight = klWeight
    }

    /// The shape of one latent: (C, H, W) for identity, (k) or (d) for vectors,
    /// (c, ceil(H / 2^n), ceil(W / 2^n)) for vae-cnn with n stages.
    public var latentShape: [Int] {
        switch kind {
        case .identity: return imageShape
        case .pca, .vaeMLP: return [latentSize]
        case .vaeCNN:
            let factor = 1 << widths.count
            return [latentSize, (imageShape[1] + factor - 1) / factor, (imageShape[2] + factor - 1) / factor]
        }
    }

    /// How many times smaller than the image a vae-cnn latent is along each side (2^stages); 1 otherwise.
    public var downsamplingFactor: Int { kind == .vaeCNN ? 1 << widths.count : 1 }

    public var imageCount: Int { imageShape.reduce(1, *) }

    public func validate() throws(LatentDiffError) {
        try formatCheck(imageShape.count == 3 && [1, 3].contains(imageShape[0]) && (4...256).contains(imageShape[1])
                  && (4...256).contains(imageShape[2]), "codec: image shape \(imageShape) is not (1 or 3, 4...256, 4...256)")
        switch kind {
        case .identity: break
        case .pca: try formatCheck((1...imageCount).contains(latentSize), "pca: components must be in 1...\(imageCount)")
        case .vaeMLP:
            try formatCheck((1...4096).contains(latentSize), "vae-mlp: latent dimension must be in 1...4096")
            try formatCheck(widths.count == 2 && widths.allSatisfy { (1...8192).contains($0) }, "vae-mlp: two widths in 1...8192")
        case .vaeCNN:
            try formatCheck((1...64).contains(latentSize), "vae-cnn: latent channels must be in 1...64")
            try formatCheck((2...4).contains(widths.count) && widths.allSatisfy { (8...1024).contains($0) && $0 % 8 == 0 },
                      "vae-cnn: 2 to 4 stage widths, multiples of 8 in 8...1024 (GroupNorm uses 8 groups)")
        }
        try formatCheck(klWeight.isFinite && klWeight >= 0, "codec: KL weight must be >= 0")
    }

    public var json: JSON {
        ["kind": .string(kind.rawValue), "image_shape": .ints(imageShape), "latent_size": .number(Double(latentSize)),
         "widths": .ints(widths), "kl_weight": .number(Double(klWeight))]
    }

    public init(json: JSON) throws(LatentDiffError) {
        let context = "codec configuration"
        self.init(kind: try json.enumValue("kind", in: context), imageShape: try json.ints("image_shape", in: context))
        latentSize = try json.int("latent_size", in: context)
        widths = try json.ints("widths", in: context)
        klWeight = try json.float("kl_weight", in: context)
        try validate()
    }
}
