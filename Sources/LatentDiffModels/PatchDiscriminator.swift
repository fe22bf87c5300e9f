import LatentDiffKernels
import LatentDiffNN

/// A patch discriminator of width w (Isola et al. 2017, as in the VQGAN and latent-diffusion
/// autoencoders): one logit per overlapping patch, "real" for large values.
///
///     conv4 stride 2 C->w, LeakyReLU(0.2), conv4 stride 2 w->2w, GN, LeakyReLU(0.2), conv3 2w->1
///
/// images (B, C, H, W) -> logits (B, 1, H / 4, W / 4) (each halving rounds down). Its parameters
/// are named `discriminator.*` and live in their own store, never in a codec file.
public final class PatchDiscriminator {
    public static let prefix = "discriminator"
    public let parameters: ParameterStore
    let input: Conv2d, middle: Conv2d, norm: GroupNorm, output: Conv2d

    /// Throws `.invalidArgument` for a width below 1 or images smaller than 4x4.
    public init(imageShape: [Int], width: Int, store: ParameterStore) throws {
        guard width >= 1 else { throw LatentDiffError.invalidArgument("the discriminator width must be >= 1, not \(width)") }
        guard imageShape.count == 3, imageShape[1] >= 4, imageShape[2] >= 4 else {
            throw LatentDiffError.invalidArgument("a patch discriminator needs images of at least 4x4, not \(imageShape)")
        }
        let name = { (part: String) in "\(Self.prefix).\(part)" }
        // The largest of 8, 4, 2 groups that divides 2w.
        var groups = 8
        while (2 * width) % groups != 0 { groups /= 2 }
        input = try Conv2d(store, name("conv_in"), inChannels: imageShape[0], outChannels: width, kernel: 4, stride: 2, padding: 1)
        middle = try Conv2d(store, name("conv_mid"), inChannels: width, outChannels: 2 * width, kernel: 4, stride: 2, padding: 1)
        norm = try GroupNorm(store, name("norm_mid"), groups: groups, channels: 2 * width)
        output = try Conv2d(store, name("conv_out"), inChannels: 2 * width, outChannels: 1, kernel: 3)
        parameters = store
    }

    public func callAsFunction(_ images: Tensor) -> Tensor {
        let h = leakyReLU(input(images))          // (B, w, H / 2, W / 2)
        let g = leakyReLU(norm(middle(h)))        // (B, 2w, H / 4, W / 4)
        return output(g)                          // (B, 1, H / 4, W / 4)
    }
}
