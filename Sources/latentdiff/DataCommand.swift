import ArgumentParser
import LatentDiffCLI
import LatentDiffIO
import LatentDiffKernels

/// Reads both splits of a data set and prints the image size and a per-class count table.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Check a data set directory: image size and images per class and split.",
        subcommands: [DataPackCommand.self])

    @OptionGroup var source: DataOptions

    func run() throws {
        try reportingErrors {
            let kind = try source.kind()
            var splits: [Dataset] = []
            for split in Dataset.Split.allCases {
                // A folder logs what it skipped once, with the first split.
                splits.append(try Dataset.load(kind, directory: source.data, split: split, log: splits.isEmpty ? { print($0) } : { _ in }))
            }
            report(splits, kind: kind)
        }
    }

    private func report(_ splits: [Dataset], kind: Dataset.Kind) {
        guard let first = splits.first else { return }
        print("\(kind.name) in \(source.data): \(first.channels)x\(first.height)x\(first.width) images (C x H x W)")
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

    @Option(help: "A folder of PNG/JPEG images.") var data: String
    @Option(help: "Side of the square images (default: the most common smaller side, at most 64).") var size: Int?
    @Option(help: "1 (gray) or 3 (RGB).") var channels = 3
    @Option(help: "What alpha is composited over: white, black or gray.") var background: Background = .white
    @Option(help: "The cache file to write (.ldpack).") var out: String

    func run() throws {
        try reportingErrors {
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
