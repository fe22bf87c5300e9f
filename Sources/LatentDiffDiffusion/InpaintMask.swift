import LatentDiffKernels

/// Inpainting masks: 8-bit pixel masks (H, W), 255 = regenerate, 0 = keep, values between =
/// partly regenerate; brought to the latent grid for sampling, and used to paste the kept
/// pixels back after decoding.
public enum InpaintMask {
    /// Pixels of feathering around the mask's edge in `pasteBack`.
    public static let featherRadius = 2

    /// `count` pixel masks (count, H, W) as latent masks (count, C, h, w) of 0 or 1 for a latent of
    /// `latentShape` = (C, h, w): each pixel mask is area-averaged down to h x w (cell (i, j)
    /// covers rows [i H / h, (i + 1) H / h) and columns [j W / w, (j + 1) W / w), pixels weighted
    /// by their overlap), and a cell whose average is > 0 is regenerated (1, in every channel).
    /// As every overlap is positive, "average > 0" is "some pixel with positive overlap is
    /// non-zero", which is what is computed. Hard rather than soft: a cell whose footprint is
    /// partly masked must be free to change, else the decoder pins part of the masked pixels to
    /// the old content; partial (gray) weights are honoured exactly in pixel space by `pasteBack`.
    /// For the identity codec a cell is one pixel: any non-zero pixel is regenerated.
    /// Vector latents (rank 1) have no spatial grid: `.unsupported`.
    public static func latentMasks(
        _ masks: [UInt8], count: Int, height: Int, width: Int, latentShape: [Int]
    ) throws(LatentDiffError) -> [Float] {
        guard latentShape.count == 3 else {
            throw .unsupported("masks need a spatial latent (C, H, W); this model's codec has vector latents of \(latentShape)")
        }
        guard masks.count == count * height * width else {
            throw .invalidArgument("\(masks.count) mask bytes are not \(count) masks of \(height)x\(width)")
        }
        let (channels, h, w) = (latentShape[0], latentShape[1], latentShape[2])
        let rows = footprints(pixels: height, cells: h), columns = footprints(pixels: width, cells: w)
        var out = [Float](repeating: 0, count: count * channels * h * w)
        for n in 0..<count {
            let mask = n * height * width
            for i in 0..<h {
                for j in 0..<w {
                    let masked = rows[i].contains { y in columns[j].contains { x in masks[mask + y * width + x] > 0 } }
                    guard masked else { continue }
                    for c in 0..<channels { out[((n * channels + c) * h + i) * w + j] = 1 }
                }
            }
        }
        return out
    }

    /// The pixels that overlap cell k of `cells` over `pixels` by a positive length: those of
    /// [k pixels / cells, (k + 1) pixels / cells), i.e. floor(k P / n) ..< ceil((k + 1) P / n).
    static func footprints(pixels: Int, cells: Int) -> [Range<Int>] {
        (0..<cells).map { k in (k * pixels / cells)..<(((k + 1) * pixels + cells - 1) / cells) }
    }

    /// The blend weight of generated pixels for one mask (H, W): 0 where the mask is 0, else the
    /// mask / 255 averaged over the (2r + 1)^2 window around the pixel (clipped to the image),
    /// r = `radius`. The feather lies inside the mask: every kept pixel gets exactly 0, a masked
    /// pixel r or more from the mask's edge (in rows and columns) gets 1, those between blend.
    static func featherWeights(_ mask: ArraySlice<UInt8>, height: Int, width: Int, radius: Int) -> [Float] {
        let base = mask.startIndex
        var rows = [Float](repeating: 0, count: height * width)
        for y in 0..<height {
            for x in 0..<width {
                let window = max(0, x - radius)...min(width - 1, x + radius)
                var sum = 0
                for u in window { sum += Int(mask[base + y * width + u]) }
                rows[y * width + x] = Float(sum) / Float(255 * window.count)
            }
        }
        var weights = [Float](repeating: 0, count: height * width)
        for y in 0..<height {
            let window = max(0, y - radius)...min(height - 1, y + radius)
            for x in 0..<width {
                var sum: Float = 0
                for v in window { sum += rows[v * width + x] }
                weights[y * width + x] = mask[base + y * width + x] > 0 ? min(1, sum / Float(window.count)) : 0
            }
        }
        return weights
    }

    /// `count` generated images pasted onto the originals (both (count, H, W, C) 8-bit) through
    /// their masks (count, H, W): out = round(o + w (g - o)), w the feathered weight of
    /// `featherWeights`; where the mask is 0, w = 0 and out = o exactly.
    public static func pasteBack(
        generated: [UInt8], original: [UInt8], masks: [UInt8], count: Int, height: Int, width: Int, channels: Int,
        radius: Int = featherRadius
    ) -> [UInt8] {
        var out = original
        let plane = height * width
        for n in 0..<count {
            let weights = featherWeights(masks[(n * plane)..<((n + 1) * plane)], height: height, width: width, radius: radius)
            for p in 0..<plane where weights[p] > 0 {
                for c in 0..<channels {
                    let i = (n * plane + p) * channels + c
                    let (o, g) = (Float(original[i]), Float(generated[i]))
                    out[i] = UInt8(max(0, min(255, (o + weights[p] * (g - o)).rounded())))
                }
            }
        }
        return out
    }
}
