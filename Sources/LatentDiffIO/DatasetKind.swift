import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

extension Dataset {
    /// What a data set is and how jobs treat it: one descriptor per kind (MNIST, CIFAR-10, an
    /// image folder with its settings), so no job tests which kind it has, only these fields.
    public struct Kind: Sendable, CustomStringConvertible {
        /// The name given on the command line and stored in model files ("mnist", "cifar10",
        /// "folder"); model files hold it as free text.
        public let name: String
        /// Mirror training images left-right (codec and classifier training; classifiers then
        /// also shift by up to 4 pixels and average an image's and its mirror image's logits).
        /// Right for photographs, wrong for digits and letters.
        public let flipAugmentation: Bool
        /// PCA components of the comparison's PCA row (`latentdiff compare`).
        public let comparisonPCASize: Int
        /// Whether the comparison adds its PCA-2D row and scatter plot (MNIST's experiment).
        public let comparisonPCA2D: Bool
        /// The classifier-free guidance scale a class-conditional model of this data set is
        /// stored with as its default (the best measured: MNIST 1.5, CIFAR-10 6, models/README.md);
        /// unconditional models get 1.
        public let defaultGuidance: Float
        /// A folder's settings; nil for the fixed-layout data sets.
        public let folder: ImageFolderSettings?
        let load: @Sendable (String, Split, Int?, (String) -> Void) throws(LatentDiffError) -> Dataset

        public var description: String { name }

        public static let mnist = Kind(
            name: "mnist", flipAugmentation: false, comparisonPCASize: 64, comparisonPCA2D: true, defaultGuidance: 1.5, folder: nil,
            load: { directory, split, limit, _ throws(LatentDiffError) in try MNIST.load(directory: directory, split: split, limit: limit) })

        public static let cifar10 = Kind(
            name: "cifar10", flipAugmentation: true, comparisonPCASize: 256, comparisonPCA2D: false, defaultGuidance: 6, folder: nil,
            load: { directory, split, limit, _ throws(LatentDiffError) in try CIFAR10.load(directory: directory, split: split, limit: limit) })

        /// A folder of PNG/JPEG images read with `settings` (`ImageFolder`); flips on (photos).
        public static func folder(_ settings: ImageFolderSettings = ImageFolderSettings()) -> Kind {
            Kind(name: "folder", flipAugmentation: true, comparisonPCASize: 256, comparisonPCA2D: false, defaultGuidance: 3,
                 folder: settings,
                 load: { directory, split, limit, log throws(LatentDiffError) in
                     let kind = Kind.folder(settings)
                     return try ImageFolder.pack(directory: directory, settings: settings, log: log)
                         .dataset(kind: kind, split: split, limit: limit)
                 })
        }

        /// A packed image cache file (`latentdiff data pack`) read as a data set: the path is the file.
        public static var pack: Kind { Kind(
            name: "pack", flipAugmentation: true, comparisonPCASize: 256, comparisonPCA2D: false, defaultGuidance: 3, folder: nil,
            load: { path, split, limit, _ throws(LatentDiffError) in
                try PackedImages.read(path: path).dataset(kind: .pack, split: split, limit: limit)
            }) }

        /// The kinds by name (the folder with default settings).
        public static let all: [Kind] = [.mnist, .cifar10, .folder(), .pack]

        /// The kind `name` names on a command line or in `ld_dataset_check`, nil if none.
        public static func parse(_ name: String) -> Kind? { all.first { $0.name == name } }

        /// The kind of the data a model file names: the fixed layouts ("mnist", "cifar10") and
        /// "pack" as such, any other name (free text) an image folder read at the model's image
        /// shape (C, H, W) over `background` (the folder default when nil).
        public static func named(_ name: String, imageShape: [Int], background: Background? = nil) -> Kind {
            if let kind = parse(name), kind.folder == nil { return kind }
            var settings = ImageFolderSettings(background: background ?? ImageFolderSettings().background)
            if imageShape.count == 3 {
                settings.channels = imageShape[0]
                settings.size = imageShape[1]
            }
            return .folder(settings)
        }

        /// The kind of what `directory` holds: MNIST when it has MNIST's training or test images,
        /// CIFAR-10 when it has a CIFAR-10 batch, a packed cache when it is a file, else an image folder.
        public static func detect(directory: String, folder settings: ImageFolderSettings = ImageFolderSettings()) -> Kind {
            var info = stat()
            if stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFREG { return .pack }
            let mnistFiles = ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"]
            let cifarFiles = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
            if mnistFiles.contains(where: { Dataset.find($0, in: directory) != nil }) { return .mnist }
            if cifarFiles.contains(where: { Dataset.find($0, in: directory) != nil }) { return .cifar10 }
            return .folder(settings)
        }

        /// The same kind, with a folder's cache at `path` unless one was chosen (fixed layouts
        /// have no cache: unchanged).
        public func caching(at path: String) -> Kind {
            guard var settings = folder, settings.cachePath == nil else { return self }
            settings.cachePath = path
            return .folder(settings)
        }

        /// The cache path a job writing `output` uses for this kind: beside the output, named
        /// after the folder and the settings (`DIR-32x3-white.ldpack`), so the codec and
        /// denoiser runs of one folder share it.
        public func cachePath(directory: String, beside output: String) -> String? {
            guard let folder else { return nil }
            let trimmed = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
            let base = trimmed.split(separator: "/").last.map(String.init) ?? "data"
            let outputDirectory = output.lastIndex(of: "/").map { String(output[..<$0]) } ?? "."
            let size = folder.size.map(String.init) ?? "auto"
            return "\(outputDirectory.isEmpty ? "/" : outputDirectory)/\(base)-\(size)x\(folder.channels)-\(folder.background.rawValue).ldpack"
        }

        /// `caching(at: cachePath(directory:beside:))`.
        public func cachingBeside(_ output: String, directory: String) -> Kind {
            cachePath(directory: directory, beside: output).map { caching(at: $0) } ?? self
        }
    }
}
