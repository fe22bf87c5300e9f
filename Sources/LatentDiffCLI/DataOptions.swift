import ArgumentParser
import LatentDiffIO
import LatentDiffKernels

extension Background: ExpressibleByArgument {}

/// Which data set a command reads: `--data DIR` and, optionally, `--dataset mnist|cifar10|folder`
/// (default: MNIST when DIR holds MNIST's images, CIFAR-10 when it holds a CIFAR-10 batch, else
/// a folder of images) and a folder's settings.
public struct DataOptions: ParsableArguments {
    @Option(help: "mnist, cifar10, folder or pack (default: detected from --data).") public var dataset: String?
    @Option(help: "Directory with the data set's files, a folder of PNG/JPEG images, or a packed cache file.") public var data: String
    @Option(help: "Folder: side of the square images (default: the most common smaller side, at most 64).") public var size: Int?
    @Option(help: "Folder: 1 (gray) or 3 (RGB).") public var channels = 3
    @Option(help: "Folder: what alpha is composited over: white, black or gray.") public var background: Background = .white
    @Option(help: "Folder: the packed image cache (default: beside the output, DIR-SIZExC-BACKGROUND.ldpack).") public var cache: String?

    public init() {}

    /// The data set kind; a folder caches its decoded images beside `output` (when given) unless
    /// `--cache` names the file.
    public func kind(output: String? = nil) throws -> Dataset.Kind {
        let settings = ImageFolderSettings(size: size, channels: channels, background: background, cachePath: cache)
        if let size { _ = try ImagePreparation(size: size, channels: channels, background: background) }
        else { guard channels == 1 || channels == 3 else { throw LatentDiffError.invalidArgument("--channels must be 1 or 3, not \(channels)") } }
        let kind: Dataset.Kind
        if let dataset {
            guard let named = Dataset.Kind.parse(dataset) else {
                throw LatentDiffError.invalidArgument(
                    "unknown data set '\(dataset)': \(Dataset.Kind.all.map(\.name).joined(separator: ", "))")
            }
            kind = named.folder == nil ? named : .folder(settings)
        } else {
            kind = Dataset.Kind.detect(directory: data, folder: settings)
        }
        guard let output else { return kind }
        return kind.cachingBeside(output, directory: data)
    }
}
