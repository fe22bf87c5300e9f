import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN

#if canImport(Glibc)
import Glibc
#endif

/// The loop every trainer shares: loss -> backward -> optional gradient hook (e.g. an all-reduce)
/// -> clip -> AdamW with warm-up + cosine -> EMA, with a progress bar, atomic periodic checkpoints
/// through `save`, resumption from a checkpoint's state, and a stop on a non-finite loss or
/// gradient that keeps the last good checkpoint.
public final class TrainingLoop {
    public struct Settings: Sendable {
        public var learningRate: Float
        public var warmupSteps: Int
        public var clipNorm: Float
        public var weightDecay: Float
        /// EMA decay; nil trains without an EMA copy.
        public var emaDecay: Float?
        /// Seconds between checkpoints.
        public var checkpointSeconds: Double

        public init(learningRate: Float, warmupSteps: Int = 200, clipNorm: Float = 1, weightDecay: Float = 0,
                    emaDecay: Float? = nil, checkpointSeconds: Double = 60) {
            self.learningRate = learningRate
            self.warmupSteps = warmupSteps
            self.clipNorm = clipNorm
            self.weightDecay = weightDecay
            self.emaDecay = emaDecay
            self.checkpointSeconds = checkpointSeconds
        }

        /// Throws `.invalidArgument` for a value no run can use (NaN, a negative rate, ...).
        public func validate() throws(LatentDiffError) {
            guard learningRate.isFinite, learningRate > 0 else { throw .invalidArgument("the learning rate must be positive and finite, not \(learningRate)") }
            guard warmupSteps >= 0 else { throw .invalidArgument("warm-up steps must be >= 0, not \(warmupSteps)") }
            guard clipNorm.isFinite, clipNorm > 0 else { throw .invalidArgument("the gradient clipping norm must be positive, not \(clipNorm)") }
            guard weightDecay.isFinite, weightDecay >= 0 else { throw .invalidArgument("weight decay must be >= 0, not \(weightDecay)") }
            if let emaDecay, !(0..<1).contains(emaDecay) { throw .invalidArgument("the EMA decay must be in [0, 1), not \(emaDecay)") }
            guard checkpointSeconds >= 0 else { throw .invalidArgument("checkpoint seconds must be >= 0, not \(checkpointSeconds)") }
        }
    }

    public let names: [String]
    public let parameters: [Tensor]
    public let optimizer: AdamW
    public let ema: ExponentialMovingAverage?
    public let settings: Settings
    /// Steps completed.
    public private(set) var step = 0
    /// The total steps the learning-rate schedule spans (fixed at the start, or after the first
    /// steps of a time-budgeted run from their speed).
    public private(set) var plannedSteps = 0
    /// The loss of every step of this run (for the loss-curve plot).
    public private(set) var losses: [Double] = []
    /// Seconds of training before this run (restored from a checkpoint): a time-budgeted run that
    /// resumes spends what is left of its budget, not the whole budget again.
    public private(set) var secondsBefore: Double = 0
    private var runStartedAt: Double?
    /// Called after backward with the parameters, before clipping (data-parallel training reduces
    /// gradients here).
    public var gradientHook: (([Tensor]) -> Void)?
    /// Time-budgeted runs: maps this process's elapsed seconds to the value every process uses
    /// (data-parallel training takes the lead's), so all stop at the same step and plan the same
    /// learning-rate schedule.
    public var elapsedHook: ((Double) -> Double)?

    public init(store: ParameterStore, settings: Settings) {
        let parameters = store.parameters
        names = store.names
        self.parameters = parameters
        optimizer = AdamW(parameters: parameters, weightDecay: settings.weightDecay)
        ema = settings.emaDecay.map { ExponentialMovingAverage(parameters: parameters, decay: $0) }
        self.settings = settings
    }

    /// Runs until the budget is spent. `loss(step)` builds the scalar loss of one step (recording a
    /// graph); `save(final)` writes a checkpoint (or the final model). With `lossPlot`, the loss
    /// curve of the run is drawn there as a PNG at the end.
    public func run(
        budget: TrainingBudget, title: String, unitsPerStep: Int, unit: String, lossPlot: String? = nil,
        loss: (Int) throws -> Tensor, save: (_ final: Bool) throws -> Void
    ) throws {
        try settings.validate()
        let startStep = step
        let progress: ProgressReporter
        switch budget {
        case .steps(let total):
            plannedSteps = max(plannedSteps, total)
            progress = ProgressReporter(title: title, total: total, unit: unit, startDone: startStep)
        case .minutes(let minutes):
            progress = ProgressReporter(title: title, total: 0, unit: unit, budgetSeconds: max(0, minutes * 60 - secondsBefore))
        }
        runStartedAt = MonotonicClock.now()
        defer { secondsBefore = trainingSeconds; runStartedAt = nil }
        var lastCheckpoint = MonotonicClock.now()
        var smoothedLoss = Double.nan
        while true {
            let elapsed = budget.isSteps ? progress.elapsed : elapsedHook?(trainingSeconds) ?? trainingSeconds
            if budget.isSpent(step: step, elapsed: elapsed) { break }
            if case .minutes(let minutes) = budget {
                // Plan the schedule from the speed of the first 20 steps of this run.
                if step - startStep == 20 || plannedSteps == 0 {
                    let rate = Double(max(1, step - startStep)) / max(elapsed - secondsBefore, 1e-3)
                    plannedSteps = max(plannedSteps, step + Int(rate * (minutes * 60 - elapsed)))
                }
            }
            let lossValue = try update(loss: try loss(step))
            losses.append(lossValue)
            smoothedLoss = smoothedLoss.isNaN ? lossValue : 0.98 * smoothedLoss + 0.02 * lossValue
            progress.update(step - (budget.isSteps ? 0 : startStep), rateUnits: unitsPerStep,
                            fields: "step \(step) loss \(format(smoothedLoss, digits: 4))")
            if MonotonicClock.now() - lastCheckpoint >= settings.checkpointSeconds {
                try save(false)
                lastCheckpoint = MonotonicClock.now()
            }
        }
        progress.finish(fields: "step \(step) loss \(format(smoothedLoss, digits: 4))", rateUnits: unitsPerStep)
        try save(true)
        if let lossPlot {
            try linePlot(losses, title: "\(title.uppercased()) LOSS", xLabel: "STEP (FROM \(startStep))", yLabel: "LOSS", path: lossPlot)
        }
    }

    /// One training step on a scalar loss whose graph is recorded: backward -> gradient hook ->
    /// clip -> AdamW at the scheduled learning rate -> EMA. Returns the loss; throws when the loss
    /// or a gradient is not finite, before any parameter changes.
    @discardableResult
    public func update(loss value: Tensor) throws -> Double {
        let lossValue = Double(value.scalar)
        guard lossValue.isFinite else {
            throw LatentDiffError(.numeric, "the loss became \(lossValue) at step \(step + 1); stopped, the last checkpoint is kept")
        }
        value.backward()
        gradientHook?(parameters)
        let norm = clipGradients(parameters, maxNorm: settings.clipNorm)
        guard norm.isFinite else {
            throw LatentDiffError(.numeric, "a gradient became \(norm) at step \(step + 1); stopped, the last checkpoint is kept")
        }
        let schedule = WarmupCosineSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps,
                                            totalSteps: max(plannedSteps, step + 1), floor: settings.learningRate * 0.05)
        optimizer.update(learningRate: schedule.learningRate(at: step))
        optimizer.zeroGrad()
        ema?.update()
        step += 1
        return lossValue
    }

    // MARK: checkpoint state

    /// The tensors that resume training: raw parameters, Adam moments and (if any) the EMA copy,
    /// under `train.`.
    public var stateTensors: [(name: String, tensor: Tensor)] {
        Self.stateTensors(names: names, optimizer: optimizer, ema: ema)
    }

    /// The checkpoint tensors of `optimizer`'s parameters, called `names`: `train.param.NAME`,
    /// `train.adam_m.NAME`, `train.adam_v.NAME` and (with an EMA) `train.ema.NAME`.
    static func stateTensors(names: [String], optimizer: AdamW, ema: ExponentialMovingAverage?) -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        for (i, name) in names.enumerated() {
            result.append(("train.param.\(name)", optimizer.parameters[i]))
            result.append(("train.adam_m.\(name)", optimizer.firstMoments[i]))
            result.append(("train.adam_v.\(name)", optimizer.secondMoments[i]))
            if let ema { result.append(("train.ema.\(name)", ema.shadows[i])) }
        }
        return result
    }

    /// Copies the tensors of `stateTensors(names:optimizer:ema:)` back from a checkpoint's tensors.
    static func restore(tensors: [String: Tensor], names: [String], optimizer: AdamW,
                        ema: ExponentialMovingAverage?) throws(LatentDiffError) {
        for (name, target) in stateTensors(names: names, optimizer: optimizer, ema: ema) {
            guard let source = tensors[name] else { throw .format("checkpoint: missing tensor '\(name)'") }
            guard source.shape == target.shape else {
                throw .format("checkpoint: tensor '\(name)' has shape \(source.shape), expected \(target.shape)")
            }
            target.copyValues(from: source)
        }
    }

    /// Seconds spent training, over this run and those it resumed.
    public var trainingSeconds: Double { secondsBefore + (runStartedAt.map { MonotonicClock.now() - $0 } ?? 0) }

    /// The counters that resume training, as JSON.
    public var stateJSON: JSON {
        ["step": .number(Double(step)), "adam_step": .number(Double(optimizer.step)),
         "ema_updates": .number(Double(ema?.updates ?? 0)), "planned_steps": .number(Double(plannedSteps)),
         "training_seconds": .number(trainingSeconds)]
    }

    /// Restores parameters, moments, EMA and counters from a checkpoint's tensors and state.
    public func restore(tensors: [String: Tensor], state: JSON) throws(LatentDiffError) {
        try Self.restore(tensors: tensors, names: names, optimizer: optimizer, ema: ema)
        let context = "checkpoint training state"
        step = try state.int("step", in: context)
        optimizer.step = try state.int("adam_step", in: context)
        ema?.updates = try state.int("ema_updates", in: context)
        plannedSteps = try state.int("planned_steps", in: context)
        if let seconds = state["training_seconds"] {
            guard case .number(let value) = seconds, value.isFinite, value >= 0 else {
                throw .format("\(context): training_seconds must be a number >= 0")
            }
            secondsBefore = value
        }
    }
}

extension TrainingLoop {
    /// Before a job trains: checks that the output's directory takes files (rather than failing
    /// at the first checkpoint, or after hours at the end), and removes what a killed run of the
    /// same job left behind: unfinished temporary files of the output, its checkpoint `OUT.ckpt`
    /// and its loss plot `OUT.loss.png` (the files themselves are always whole: writes are atomic).
    public static func prepareOutput(_ outputPath: String, log: (String) -> Void) throws(LatentDiffError) {
        try AtomicFile.checkWritable(path: outputPath)
        let removed = ["", ".ckpt", ".loss.png"].reduce(0) { $0 + AtomicFile.removeStale(path: outputPath + $1) }
        if removed > 0 { log("removed \(removed) unfinished temporary file(s) left by a killed run") }
    }
}

extension TrainingBudget {
    var isSteps: Bool { if case .steps = self { true } else { false } }

    func isSpent(step: Int, elapsed: Double) -> Bool {
        switch self {
        case .steps(let total): return step >= total
        case .minutes(let minutes): return elapsed >= minutes * 60
        }
    }
}
