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
    private let start = MonotonicClock.now()
    private var lastDraw = -Double.infinity
    private var lastDone = 0
    /// Set once at start-up, before any reporter exists: false silences every reporter of the
    /// process (all but the lead of a data-parallel job).
    nonisolated(unsafe) public static var isEnabled = true

    /// `total` is the number of units (steps, images...), or 0 when unknown (time-budgeted runs
    /// pass `budgetSeconds` instead and the bar tracks elapsed time).
    public init(title: String, total: Int, unit: String, budgetSeconds: Double? = nil, lineInterval: Double = 10) {
        self.title = title
        self.total = total
        self.unit = unit
        self.budgetSeconds = budgetSeconds
        self.isTerminal = isatty(STDERR_FILENO) != 0
        self.lineInterval = lineInterval
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
        let rate = seconds > 0 ? Double(done * rateUnits) / seconds : 0
        let fraction: Double
        let remaining: Double
        if let budgetSeconds {
            fraction = min(1, seconds / budgetSeconds)
            remaining = max(0, budgetSeconds - seconds)
        } else if total > 0 {
            fraction = min(1, Double(done) / Double(total))
            remaining = done > 0 ? seconds / Double(done) * Double(total - done) : .infinity
        } else {
            fraction = 0
            remaining = .infinity
        }
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
