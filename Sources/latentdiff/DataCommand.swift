import ArgumentParser
import LatentDiffCLI
import LatentDiffIO
import LatentDiffKernels

/// Reads both splits of a data set and prints the image size and a per-class count table.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Check a data set directory: image size and images per class and split.",
        subcommands: [DataPackCommand.self])

    // DataOptions' fields, with --data optional: ArgumentParser decodes a parent command's
    // options for its subcommand (`data pack`) too.
    @Option(help: "mnist, cifar10, folder or pack (default: detected from --data).") var dataset: String?
    @Option(help: "Directory with the data set's files, a folder of PNG/JPEG images, or a packed cache file.") var data: String?
    @Option(help: "Folder: side of the square images (default: the most common smaller side, at most 64).") var size: Int?
    @Option(help: "Folder: 1 (gray) or 3 (RGB).") var channels = 3
    @Option(help: "Folder: what alpha is composited over: white, black or gray.") var background: Background = .white
    @Option(help: "Folder: a packed image cache to use or write.") var cache: String?

    func run() throws {
        try reportingErrors {
            guard let data else { throw LatentDiffError.invalidArgument("--data DIR is required") }
            var source = DataOptions()
            (source.dataset, source.data, source.size, source.channels, source.background, source.cache) =
                (dataset, data, size, channels, background, cache)
            let kind = try source.kind()
            var splits: [Dataset] = []
            for split in Dataset.Split.allCases {
                // A folder logs what it skipped once, with the first split.
                splits.append(try Dataset.load(kind, directory: source.data, split: split, log: splits.isEmpty ? { print($0) } : { _ in }))
            }
            report(splits, kind: kind, data: data)
        }
    }

    private func report(_ splits: [Dataset], kind: Dataset.Kind, data: String) {
        guard let first = splits.first else { return }
        print("\(kind.name) in \(data): \(first.channels)x\(first.height)x\(first.width) images (C x H x W)")
        let counts = splits.map { $0.classCounts() }
        // "3 cat", or just "3" where the class name is the label itself (MNIST).
        let names = first.classNames.enumerated().map { $1 == String($0) ? $1 : "\($0) \($1)" }
        let nameWidth = max(5, names.map(\.count).max() ?? 0)
        let row = { (name: String, cells: [String]) in
            print(pad(name, nameWidth, left: true) + cells.map { pad($0, 9) }.joined())
        }
        row("class", splits.map { $0.split.rawValue })
        for (label, name) in names.enumerated() {
            row(name, counts.map { String($0[label]) })
        }
        row("total", splits.map { String($0.count) })
    }
}

/// `latentdiff data pack`: decodes a folder of images once into a packed uint8 cache file.
struct DataPackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack", abstract: "Decode a folder of images into a packed cache file (reused while the folder is unchanged).")

    // --data, --size, --channels and --background are the parent's (`latentdiff data`) options.
    @OptionGroup var parent: DataCommand
    @Option(help: "The cache file to write (.ldpack).") var out: String

    func run() throws {
        try reportingErrors {
            let (data, size, channels, background) = (parent.data ?? "", parent.size, parent.channels, parent.background)
            guard parent.data != nil else { throw LatentDiffError.invalidArgument("--data DIR is required") }
            if let size { _ = try ImagePreparation(size: size, channels: channels, background: background) }
            let settings = ImageFolderSettings(size: size, channels: channels, background: background, cachePath: out)
            _ = try ImageFolder.pack(directory: data, settings: settings, log: { print($0) })
        }
    }
}

/// `text` padded with spaces to `width`, on the right when `left` (left-aligned), else on the left.
private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return left ? text + fill : fill + text
}
