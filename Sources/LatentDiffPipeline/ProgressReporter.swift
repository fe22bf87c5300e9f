import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long job on standard error: on a terminal a bar redrawn in place with rate and
/// ETA; when piped, a plain line every `lineInterval` seconds (and at the end), so logs stay
/// readable.
public final class ProgressReporter {
    public let title: String
    public let total: Int
    public let unit: String
    private let budgetSeconds: Double?
    private let isTerminal: Bool
    private let lineInterval: Double
    private let startDone: Int
    private let start = MonotonicClock.now()
    private var lastDraw = -Double.infinity
    private var lastDone = 0
    /// Set once at start-up, before any reporter exists: false silences every reporter of the
    /// process (all but the lead of a data-parallel job).
    nonisolated(unsafe) public static var isEnabled = true

    /// `total` is the number of units (steps, images...), or 0 when unknown (time-budgeted runs
    /// pass `budgetSeconds` instead and the bar tracks elapsed time). `startDone` units were done
    /// before this reporter started (a resumed run): rate and ETA count only the units after them.
    public init(title: String, total: Int, unit: String, budgetSeconds: Double? = nil, lineInterval: Double = 10,
                startDone: Int = 0) {
        self.title = title
        self.total = total
        self.unit = unit
        self.budgetSeconds = budgetSeconds
        self.isTerminal = isatty(STDERR_FILENO) != 0
        self.lineInterval = lineInterval
        self.startDone = startDone
        self.lastDone = startDone
    }

    public var elapsed: Double { MonotonicClock.now() - start }

    /// Reports `done` units with extra fields (e.g. "loss 0.0412"); `rateUnits` is how many of the
    /// rate's units (images, latents) one step stands for.
    public func update(_ done: Int, rateUnits: Int = 1, fields: String = "", force: Bool = false) {
        lastDone = done
        let now = MonotonicClock.now()
        let interval = isTerminal ? 0.1 : lineInterval
        guard force || now - lastDraw >= interval else { return }
        lastDraw = now
        let seconds = now - start
        let (fraction, rate, remaining) = estimate(done: done, seconds: seconds, rateUnits: rateUnits)
        let counts = total > 0 ? "\(done)/\(total)" : "\(done)"
        let text = "\(counts) \(fields.isEmpty ? "" : fields + " | ")\(format(rate, digits: 1)) \(unit)/s | "
            + "elapsed \(duration(seconds)) | ETA \(duration(remaining))"
        if isTerminal {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write("\r\u{1B}[2K\(title) [\(bar)] \(Int(fraction * 100))% \(text)")
        } else {
            write("\(title): \(Int(fraction * 100))% \(text)\n")
        }
    }

    /// Share of the job done (0...1), rate in the rate's units per second and seconds left, after
    /// `seconds` of this reporter with `done` units done (of which `startDone` before it started).
    public func estimate(done: Int, seconds: Double, rateUnits: Int = 1) -> (fraction: Double, rate: Double, remaining: Double) {
        let doneHere = max(0, done - startDone)
        let rate = seconds > 0 ? Double(doneHere * rateUnits) / seconds : 0
        if let budgetSeconds {
            return (min(1, seconds / budgetSeconds), rate, max(0, budgetSeconds - seconds))
        }
        guard total > 0 else { return (0, rate, .infinity) }
        let remaining = doneHere > 0 ? seconds / Double(doneHere) * Double(max(0, total - done)) : .infinity
        return (min(1, Double(done) / Double(total)), rate, remaining)
    }

    /// Draws the final state and ends the line.
    public func finish(fields: String = "", rateUnits: Int = 1) {
        update(lastDone, rateUnits: rateUnits, fields: fields, force: true)
        if isTerminal { write("\n") }
    }

    private func write(_ text: String) {
        guard ProgressReporter.isEnabled else { return }
        var bytes = Array(text.utf8)
        _ = Glibc.write(STDERR_FILENO, &bytes, bytes.count)
    }
}

/// "1h02m", "3m05s", "12s", "--" for unknown.
public func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return "\(s / 3600)h" + twoDigits((s % 3600) / 60) + "m" }
    if s >= 60 { return "\(s / 60)m" + twoDigits(s % 60) + "s" }
    return "\(s)s"
}

/// `value` with `digits` decimals, without Foundation.
public func format(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled) - whole * Int(scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    if digits == 0 { return "\(sign)\(whole)" }
    let fractionText = String(fraction)
    return "\(sign)\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}

private func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
