import ArgumentParser
import LatentDiffCLI
import LatentDiffIO
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Reads both splits of a data set and prints the image size and a per-class count table.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Check a data set directory: image size and images per class and split.")

    @Option(help: "Which data set.")
    var dataset: Dataset.Kind
    @Option(help: "Directory with the data set's standard files, plain or .gz.")
    var data: String

    func run() throws {
        let splits: [Dataset]
        do {
            splits = try Dataset.Split.allCases.map { (split) throws(LatentDiffError) in
                try Dataset.load(dataset, directory: data, split: split)
            }
        } catch {
            let line = Array("error: \(error.message)\n".utf8)
            _ = write(STDERR_FILENO, line, line.count)
            throw ExitCode.failure
        }
        guard let first = splits.first else { return }
        print("\(dataset.rawValue) in \(data): \(first.channels)x\(first.height)x\(first.width) images (C x H x W)")
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

/// `text` padded with spaces to `width`, on the right when `left` (left-aligned), else on the left.
private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return left ? text + fill : fill + text
}
