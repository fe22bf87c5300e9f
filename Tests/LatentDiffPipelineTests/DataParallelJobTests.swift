import Testing
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN
import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

/// A fresh empty directory under /tmp for one test.
func temporaryDirectory() -> String {
    var template = Array("/tmp/latentdiff-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return made.map { String(cString: $0) } ?? "/tmp"
}

func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// The diffusion job's data-parallel hooks, without MPI: shards of a step's batch, their
/// gradients as the gradient hook sees them, and which process writes files.
@Suite struct DataParallelJobTests {
    static let mnist: String = {
        let file = "\(#filePath)"
        return String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)]) + "/../Fixtures/mnist"
    }()

    func job(_ shard: Shard, batchSize: Int = 4, directory: String) -> DiffusionTrainingJob {
        var job = DiffusionTrainingJob(dataset: .mnist, dataDirectory: Self.mnist, codecPath: nil,
                                       outputPath: "\(directory)/rank\(shard.rank)of\(shard.count).safetensors")
        job.budget = .steps(1)
        job.batchSize = batchSize
        job.widths = [8, 16]
        job.attention = false
        job.conditional = true
        job.seed = 5
        job.shard = shard
        return job
    }

    /// The first step's gradients (before the hook would reduce them).
    func gradients(_ shard: Shard, directory: String) throws -> [[Float]] {
        var captured: [[Float]] = []
        var job = job(shard, directory: directory)
        job.configureLoop = { loop in
            loop.gradientHook = { parameters in
                captured = parameters.map { $0.gradValues ?? [Float](repeating: 0, count: $0.count) }
            }
        }
        try job.run(log: { _ in })
        return captured
    }

    /// Each of 2 shards takes half the batch with the noise the whole batch gives it, so the mean
    /// of their gradients is the whole batch's gradient up to float32 summation order.
    @Test func shardGradientsAverageToTheWholeBatch() throws {
        let directory = temporaryDirectory()
        let whole = try gradients(.whole, directory: directory)
        let first = try gradients(Shard(rank: 0, count: 2), directory: directory)
        let second = try gradients(Shard(rank: 1, count: 2), directory: directory)
        #expect(whole.count == first.count && whole.count == second.count)
        // Float32 sums of a few hundred terms in another order: a few ulps of the largest
        // gradient (tensors whose gradient nearly cancels are measured against that, not themselves).
        let scale = whole.joined().map(abs).max() ?? 0
        var worst: Float = 0
        for (i, grad) in whole.enumerated() {
            for j in grad.indices { worst = max(worst, abs((first[i][j] + second[i][j]) / 2 - grad[j])) }
        }
        #expect(worst <= 1e-5 * scale)
        // Only the lead writes: the whole run and rank 0 wrote their models, rank 1 nothing.
        #expect(exists("\(directory)/rank0of1.safetensors"))
        #expect(exists("\(directory)/rank0of2.safetensors"))
        #expect(!exists("\(directory)/rank1of2.safetensors"))
    }

    @Test func batchMustDivideOverTheProcesses() {
        #expect(throws: LatentDiffError.self) {
            try job(Shard(rank: 0, count: 3), batchSize: 4, directory: temporaryDirectory()).run(log: { _ in })
        }
    }
}
