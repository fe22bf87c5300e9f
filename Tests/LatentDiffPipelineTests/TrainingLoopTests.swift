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
    /// A time-budgeted run that resumes spends what is left of its budget: the checkpoint carries
    /// the seconds trained, and a restored loop whose budget is spent takes no step.
    @Test func resumedTimeBudgetContinuesFromTheSecondsSpent() throws {
        let store = ParameterStore(seed: 1)
        let w = try store.parameter("w", shape: [2], initializer: .zeros)
        let loop = TrainingLoop(store: store, settings: .init(learningRate: 0.1, warmupSteps: 0, checkpointSeconds: .infinity))
        var state: JSON = .null
        try loop.run(budget: .steps(3), title: "test", unitsPerStep: 1, unit: "steps",
                     loss: { _ in sum(multiply(w, w)) }, save: { _ in state = loop.stateJSON })
        #expect(loop.trainingSeconds > 0)
        guard case .number(let seconds)? = state["training_seconds"] else { Issue.record("no training_seconds in \(state)"); return }
        #expect(seconds > 0)

        // The same state claiming an hour spent: a 1-minute budget is over before the first step.
        let resumed = TrainingLoop(store: store, settings: loop.settings)
        var spent = state
        if case .object(var fields) = spent {
            fields.removeAll { $0.key == "training_seconds" }
            fields.append(("training_seconds", .number(3600)))
            spent = .object(fields)
        }
        try resumed.restore(tensors: Dictionary(uniqueKeysWithValues: loop.stateTensors.map { ($0.name, $0.tensor) }), state: spent)
        var steps = 0
        try resumed.run(budget: .minutes(1), title: "test", unitsPerStep: 1, unit: "steps",
                        loss: { _ in steps += 1; return sum(multiply(w, w)) }, save: { _ in })
        #expect(steps == 0 && resumed.step == 3)

        // A negative or non-numeric value is a damaged checkpoint.
        if case .object(var fields) = state {
            fields.removeAll { $0.key == "training_seconds" }
            fields.append(("training_seconds", .number(-1)))
            #expect(throws: LatentDiffError.self) {
                try TrainingLoop(store: store, settings: loop.settings).restore(
                    tensors: Dictionary(uniqueKeysWithValues: loop.stateTensors.map { ($0.name, $0.tensor) }), state: .object(fields))
            }
        }
    }

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
