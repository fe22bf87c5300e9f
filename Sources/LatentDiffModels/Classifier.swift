import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN

/// The evaluation classifier: a small CNN whose penultimate features give the Fréchet distance
/// and whose predictions give the accuracy of class-conditional samples.
///
///     conv3 C->w, SiLU, [blocks x ResBlock(w)],
///     conv3 w->2w stride 2, GN, SiLU, [blocks x ResBlock(2w)],
///     conv3 2w->4w stride 2, GN, SiLU, [blocks x ResBlock(4w)],
///     conv3 4w->4w, GN, SiLU, mean over positions -> (B, 4w), Linear(4w, F), SiLU = features,
///     Linear(F, classes) = logits
///
/// With blocks = 0 it is a plain 4-convolution network (enough for MNIST); CIFAR-10 needs the
/// residual blocks (pre-activation GN, SiLU, conv3, twice, plus the identity).
public final class Classifier: @unchecked Sendable {
    public struct Config: Sendable, Equatable {
        public var dataset: String
        public var imageShape: [Int]
        public var width: Int
        public var features: Int
        public var classCount: Int
        /// Residual blocks after each of the first three convolutions.
        public var blocks: Int
        /// Predictions and features average the image's and its mirror image's (for classifiers
        /// trained with flips: their classes do not change when mirrored).
        public var mirrorAverage: Bool

        public init(dataset: String, imageShape: [Int], width: Int = 32, features: Int = 128, classCount: Int = 10,
                    blocks: Int = 0, mirrorAverage: Bool = false) {
            self.dataset = dataset
            self.imageShape = imageShape
            self.width = width
            self.features = features
            self.classCount = classCount
            self.blocks = blocks
            self.mirrorAverage = mirrorAverage
        }

        public var json: JSON {
            ["format_version": 1, "kind": "classifier", "dataset": .string(dataset), "image_shape": .ints(imageShape),
             "width": .number(Double(width)), "features": .number(Double(features)), "class_count": .number(Double(classCount)),
             "blocks": .number(Double(blocks)), "mirror_average": .bool(mirrorAverage)]
        }

        public init(json: JSON) throws(LatentDiffError) {
            let context = "classifier configuration"
            guard try json.string("kind", in: context) == "classifier", try json.int("format_version", in: context) == 1 else {
                throw .format("\(context): not a version-1 classifier")
            }
            self.init(dataset: try json.string("dataset", in: context), imageShape: try json.ints("image_shape", in: context),
                      width: try json.int("width", in: context), features: try json.int("features", in: context),
                      classCount: try json.int("class_count", in: context),
                      // Absent from files written before these fields existed.
                      blocks: json["blocks"] == nil ? 0 : try json.int("blocks", in: context),
                      mirrorAverage: json["mirror_average"] == nil ? false : try json.bool("mirror_average", in: context))
            try validate()
        }

        /// Throws `.format` for sizes the network cannot be built with (GroupNorm needs widths
        /// that are multiples of 8).
        public func validate() throws(LatentDiffError) {
            let context = "classifier configuration"
            try formatCheck(imageShape.count == 3 && (1...4).contains(imageShape[0]) && (8...256).contains(imageShape[1])
                            && (8...256).contains(imageShape[2]), "\(context): bad image shape \(imageShape)")
            try formatCheck((8...512).contains(width) && width % 8 == 0, "\(context): width must be a multiple of 8 in 8...512, not \(width)")
            try formatCheck((1...4096).contains(features) && (2...1000).contains(classCount), "\(context): bad sizes")
            try formatCheck((0...8).contains(blocks), "\(context): blocks must be in 0...8, not \(blocks)")
        }
    }

    public let config: Config
    public let parameters: ParameterStore
    let convs: [Conv2d], norms: [GroupNorm], hidden: Linear, output: Linear
    /// stages[i]: the residual blocks after convs[i], i in 0..<3.
    let stages: [[ResBlock]]

    public init(config: Config, store: ParameterStore) throws {
        try config.validate()
        let (c, w) = (config.imageShape[0], config.width)
        convs = [
            try Conv2d(store, "classifier.conv0", inChannels: c, outChannels: w, kernel: 3),
            try Conv2d(store, "classifier.conv1", inChannels: w, outChannels: 2 * w, kernel: 3, stride: 2),
            try Conv2d(store, "classifier.conv2", inChannels: 2 * w, outChannels: 4 * w, kernel: 3, stride: 2),
            try Conv2d(store, "classifier.conv3", inChannels: 4 * w, outChannels: 4 * w, kernel: 3),
        ]
        norms = try [1, 2, 3].map { i in
            try GroupNorm(store, "classifier.norm\(i)", groups: 8, channels: [w, 2 * w, 4 * w, 4 * w][i])
        }
        stages = try (0..<3).map { i in
            try (0..<config.blocks).map { j in
                try ResBlock(store, "classifier.stage\(i).block\(j)", inChannels: w << i, outChannels: w << i, groups: 8)
            }
        }
        hidden = try Linear(store, "classifier.fc0", inFeatures: 4 * w, outFeatures: config.features)
        output = try Linear(store, "classifier.fc1", inFeatures: config.features, outFeatures: config.classCount)
        self.config = config
        parameters = store
    }

    /// images (B, C, H, W) in [-1, 1] -> (features (B, F), logits (B, classes))
    public func callAsFunction(_ images: Tensor) -> (features: Tensor, logits: Tensor) {
        var h = silu(convs[0](images))
        for i in 1..<4 {
            for block in stages[i - 1] { h = block(h) }
            h = norms[i - 1](convs[i](h), silu: true)
        }
        let pooled = mean(h, axes: [2, 3])                        // (B, 4w)
        let features = silu(hidden(pooled))
        return (features, output(features))
    }
}
