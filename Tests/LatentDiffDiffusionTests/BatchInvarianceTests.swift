import Testing
import LatentDiffDiffusion
import LatentDiffKernels

/// A real model (conv VAE + class-conditional U-Net with attention, Tests/Fixtures/models): a
/// sample's latent and image bits do not depend on the batch it is generated or decoded in, nor on
/// the thread count, because inference sums every product in a fixed order.
@Suite struct BatchInvarianceTests {
    static let modelPath: String = {
        let file = "\(#filePath)"
        return String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)]) + "/../Fixtures/models/tiny-mnist.safetensors"
    }()

    @Test func sampleAloneEqualsSampleInABatch() throws {
        let model = try DiffusionModel.load(path: Self.modelPath)
        // Classes, with guidance, mixed with unconditional samples: rows of 1 to 2 x 6 in a call.
        let labels = [3, -1, 7, 0, -1, 9]
        let settings = SamplerSettings(kind: .dpmSolver, steps: 4, guidance: 2)
        let size = model.latentCount
        let batch = try model.sampleLatents(settings: settings, seed: 11, labels: labels, threads: 1)
        #expect(try model.sampleLatents(settings: settings, seed: 11, labels: labels, threads: 2) == batch)
        for k in [0, 1, 5] {
            let alone = try model.sampleLatents(settings: settings, seed: 11, labels: [labels[k]], firstIndex: k)
            #expect(alone == Array(batch[(k * size)..<((k + 1) * size)]), "sample \(k)")
        }
        let images = try model.decode(batch, threads: 1)
        #expect(try model.decode(batch, threads: 2).values == images.values)
        let imageSize = images.count / labels.count
        for k in [0, 4] {
            let alone = try model.decode(Array(batch[(k * size)..<((k + 1) * size)]), threads: 1)
            #expect(alone.values == Array(images.values[(k * imageSize)..<((k + 1) * imageSize)]), "image \(k)")
        }
    }
}
