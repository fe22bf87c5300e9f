import Testing
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

/// `latentdiff compare` end to end on the MNIST fixture, with one-step budgets: every
/// configuration gets a row, its grids and model files, and MNIST's report has the PCA-2D scatter.
@Suite struct ComparisonTests {
    @Test func mnistReportHasEveryRowItsGridsAndThePCA2DScatter() throws {
        let directory = temporaryDirectory()
        var comparison = Comparison(dataset: .mnist, dataDirectory: DataParallelJobTests.mnist, outputDirectory: directory)
        comparison.codecBudget = .steps(1)
        comparison.denoiserBudget = .steps(1)
        comparison.settings = SamplerSettings(kind: .dpmSolver, steps: 2, guidance: 2)
        comparison.trainLimit = 64
        comparison.denoiserBatchSize = 4
        comparison.threads = 2
        var logged: [String] = []
        try comparison.run { logged.append($0) }

        let names = ["pca-2", "pca-64", "vae-mlp-64", "vae-cnn-4ch", "vae-cnn-8ch", "pixels"]
        let report = try #require(text(of: "\(directory)/README.md"))
        let rows = report.split(separator: "\n").filter { line in names.contains { line.hasPrefix("| \($0) |") } }
        #expect(rows.count == names.count)
        for name in names {
            #expect(exists("\(directory)/\(name).safetensors") && exists("\(directory)/\(name)-samples.png"))
            #expect(report.contains("(\(name)-samples.png)"))
            #expect(exists("\(directory)/\(name)-reconstructions.png"))
        }
        #expect(exists("\(directory)/pca2d-scatter.png") && report.contains("(pca2d-scatter.png)"))
        #expect(report.contains("sliced Wasserstein distance to the test points"))
        let samples = try PNG.read(path: "\(directory)/pca-64-samples.png")
        #expect(samples.width >= 10 * 28 && samples.height >= 10 * 28)   // one row of 10 per class

        // Rerunning reuses every file: no training logged the second time.
        logged = []
        try comparison.run { logged.append($0) }
        #expect(!logged.contains { $0.hasPrefix("train") || $0.contains("denoiser:") })
    }
}

/// A small text file's contents, or nil when it cannot be read.
private func text(of path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}
