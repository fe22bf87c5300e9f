import Testing
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TrainingLoopTests {
    enum Failure: String, CaseIterable { case loss, gradient }

    /// Steps 0...3 train normally with a checkpoint after each; step 4 makes a NaN loss or, with a
    /// finite loss, gradients whose norm overflows. Training stops with a clear error, writes
    /// nothing more, and the checkpoint on disk is step 4's, whole, finite and equal to the
    /// parameters in memory (the failed step changed nothing).
    @Test(arguments: Failure.allCases)
    func nonFiniteStepStopsAndKeepsTheLastGoodCheckpoint(failure: Failure) throws {
        let store = ParameterStore(seed: 1)
        let w = try store.parameter("w", shape: [2], initializer: .zeros)
        let loop = TrainingLoop(store: store, settings: .init(learningRate: 0.1, warmupSteps: 0, checkpointSeconds: 0))
        let path = "/tmp/latentdiff-nan-\(getpid())-\(failure).ckpt"
        defer { unlink(path) }
        var saves: [Bool] = []
        let error = caught {
            try loop.run(
                budget: .steps(10), title: "test", unitsPerStep: 1, unit: "steps",
                loss: { step in
                    guard step == 4 else { return sum(multiply(add(w, -1), add(w, -1))) }  // (w - 1)^2
                    return failure == .loss ? sum(multiply(w, .nan)) : sum(multiply(w, 3e38))  // gradient 3e38 each: norm > Float.max
                },
                save: { final in
                    saves.append(final)
                    try SafeTensorsFile(
                        tensors: loop.stateTensors.map { .init(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.values) },
                        metadata: [("training_state", loop.stateJSON.serialized())]).write(path: path)
                })
        }
        let what = failure == .loss ? "the loss became nan" : "a gradient became inf"
        #expect(error?.status == .numeric && error?.message == "\(what) at step 5; stopped, the last checkpoint is kept",
                "\(error?.message ?? "no error")")
        #expect(saves == [false, false, false, false], "one checkpoint per good step, no final model")
        let checkpoint = try SafeTensorsFile.read(path: path)
        let state = try JSON.parse(try #require(checkpoint.metadataValue(forKey: "training_state")))
        #expect(state["step"]?.intValue == 4 && loop.step == 4)
        let saved = try #require(checkpoint.tensor(named: "train.param.w")).values
        #expect(saved == w.values && saved.allSatisfy { $0.isFinite && $0 != 0 })
    }
}

/// The error `body` throws, if any.
func caught(_ body: () throws -> Void) -> LatentDiffError? {
    do { try body() } catch let error as LatentDiffError { return error } catch { return LatentDiffError(.internalError, "\(error)") }
    return nil
}
