import Testing
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffPipeline

/// `latentdiff train-codec --adversarial-weight` through its job, on a tiny vae-cnn (widths 8, 16)
/// over 64 images of the MNIST fixture: off it changes nothing, on it leaves no discriminator in
/// the codec file, a resumed run equals a straight one, and bad settings are refused.
@Suite struct AdversarialCodecTrainingTests {
    func job(directory: String, name: String = "codec", steps: Int = 4, weight: Float = 0, start: Double = 0.5) -> CodecTrainingJob {
        var job = CodecTrainingJob(dataset: .mnist, dataDirectory: DataParallelJobTests.mnist, codec: .vaeCNN,
                                   outputPath: "\(directory)/\(name).safetensors")
        job.budget = .steps(steps)
        job.batchSize = 8
        job.widths = [8, 16]
        job.latentSize = 4
        job.seed = 3
        job.trainLimit = 64
        job.testLimit = 16
        job.checkpointSeconds = .infinity
        job.adversarial = AdversarialSettings(weight: weight, start: start, discriminatorWidth: 4)
        return job
    }

    func bytes(_ path: String) throws -> [UInt8] { try ImageFile.readBytes(path: Array(path.utf8CString), name: "codec") }

    /// Weight 0 is the plain VAE loss; so is a weight whose start never comes (a discriminator is
    /// made, and never used): the same codec, byte for byte.
    @Test func weightZeroOrANeverReachedStartTrainsTheSameCodec() throws {
        let directory = temporaryDirectory()
        var plain = job(directory: directory, name: "plain")
        plain.adversarial = AdversarialSettings()
        try plain.run { _ in }
        try job(directory: directory, name: "zero", weight: 0, start: 0).run { _ in }
        var log: [String] = []
        try job(directory: directory, name: "late", weight: 0.5, start: 1).run { log.append($0) }
        #expect(try bytes(directory + "/zero.safetensors") == bytes(directory + "/plain.safetensors"))
        #expect(try bytes(directory + "/late.safetensors") == bytes(directory + "/plain.safetensors"))
        #expect(!log.contains { $0.hasPrefix("adversarial:") }, "\(log)")
    }

    @Test func anAdversarialRunWritesOnlyTheCodecAndCheckpointsTheDiscriminator() throws {
        let directory = temporaryDirectory()
        var adversarial = job(directory: directory, weight: 0.5, start: 0.5)
        adversarial.checkpointSeconds = 0
        var log: [String] = []
        let file = try adversarial.run { log.append($0) }
        #expect(log.contains { $0.hasPrefix("adversarial: 2 steps;") }, "steps 2 and 3 of 4: \(log)")
        #expect(!file.tensors.isEmpty && file.tensors.allSatisfy { $0.name.hasPrefix("codec.") }, "\(file.tensors.map(\.name))")
        _ = try loadCodec(path: adversarial.outputPath)
        let checkpoint = try ModelFile.read(path: adversarial.checkpointPath)
        let names = checkpoint.tensors.map(\.name)
        for prefix in ["train.param.discriminator.", "train.adam_m.discriminator.", "train.adam_v.discriminator."] {
            #expect(names.filter { $0.hasPrefix(prefix) }.count == 8, "\(prefix)")
        }
        #expect(checkpoint.metadataValue(AdversarialCodecLoss.stateKey) == #"{"adam_step":2}"#)

        try job(directory: directory, name: "plain").run { _ in }
        #expect(try bytes(adversarial.outputPath) != bytes(directory + "/plain.safetensors"), "the term changes the codec")
    }

    /// 3 steps, then resumed to 6, equal 6 straight steps: the discriminator, its Adam moments and
    /// step count come back from the checkpoint. (All steps lie in the 100-step learning-rate
    /// warm-up, which does not depend on the budget; start 0 puts every step under the term.)
    @Test func resumingEqualsAStraightRun() throws {
        let directory = temporaryDirectory()
        try job(directory: directory, name: "straight", steps: 6, weight: 0.5, start: 0).run { _ in }
        var interrupted = job(directory: directory, name: "resumed", steps: 3, weight: 0.5, start: 0)
        interrupted.checkpointSeconds = 0
        try interrupted.run { _ in }
        var resumed = job(directory: directory, name: "resumed", steps: 6, weight: 0.5, start: 0)
        resumed.resume = true

        // The checkpoint's adversarial state must be resumed with an adversarial weight.
        var withoutTerm = resumed
        withoutTerm.adversarial = AdversarialSettings()
        #expect { try withoutTerm.run { _ in } } throws: { ($0 as? LatentDiffError)?.message.contains("with its --adversarial-weight") == true }

        var log: [String] = []
        try resumed.run { log.append($0) }
        #expect(log.contains("resumed from \(resumed.checkpointPath) at step 3"), "\(log)")
        #expect(try bytes(resumed.outputPath) == bytes(directory + "/straight.safetensors"))
    }

    @Test(arguments: [
        (CodecKind.vaeCNN, AdversarialSettings(weight: -1), "must be >= 0"),
        (.vaeCNN, AdversarialSettings(weight: .nan), "must be >= 0"),
        (.vaeCNN, AdversarialSettings(weight: 0.5, start: 1.5), "fraction in [0, 1]"),
        (.vaeCNN, AdversarialSettings(weight: 0.5, start: -0.1), "fraction in [0, 1]"),
        (.vaeCNN, AdversarialSettings(weight: 0.5, discriminatorWidth: 0), "width must be >= 1"),
        (.vaeMLP, AdversarialSettings(weight: 0.5), "needs a vae-cnn codec"),
        (.pca, AdversarialSettings(weight: 0.5), "needs a vae-cnn codec"),
    ])
    func badSettingsAreRefused(codec: CodecKind, settings: AdversarialSettings, message: String) {
        var job = job(directory: "/nonexistent-directory")
        job.codec = codec
        job.adversarial = settings
        #expect { try job.run { _ in } } throws: { ($0 as? LatentDiffError)?.message.contains(message) == true }
    }
}
