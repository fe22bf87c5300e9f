import LatentDiffIO
import LatentDiffKernels

/// `latentdiff eval --guidance-sweep`: one evaluation per guidance scale, and the trade-off it
/// shows (stronger guidance buys class accuracy with diversity) drawn as two curves against the
/// guidance scale: class accuracy, and the Fréchet distance as a multiple of the train-vs-test floor.
public struct GuidanceCurve {
    /// The evaluation every point runs, with its guidance replaced by each scale in turn (the
    /// model, data, test and floor features and codec figures are computed once).
    public var evaluation: Evaluation
    public var guidances: [Float]

    public init(evaluation: Evaluation, guidances: [Float]) {
        self.evaluation = evaluation
        self.guidances = guidances
    }

    public struct Point {
        public var guidance: Float
        public var report: Evaluation.Report
    }

    /// Throws `.invalidArgument` for an empty list or a scale that is not finite and >= 0.
    public static func check(_ guidances: [Float]) throws(LatentDiffError) {
        guard !guidances.isEmpty else { throw .invalidArgument("the guidance sweep needs at least one scale") }
        for g in guidances where !(g.isFinite && g >= 0) {
            throw .invalidArgument("guidance scales must be finite and >= 0, not \(g)")
        }
    }

    public func run(log: (String) -> Void = { print($0) }) throws -> [Point] {
        try Self.check(guidances)
        guard evaluation.classifierPath != nil else {
            throw LatentDiffError.invalidArgument("a guidance sweep measures accuracy and Fréchet distance: give --classifier")
        }
        return zip(guidances, try evaluation.run(guidances: guidances, log: log)).map { Point(guidance: $0, report: $1) }
    }

    /// {"guidance_curve": [{"guidance": g, ...the evaluation's report...}, ...]}
    public static func json(_ points: [Point]) -> JSON {
        .object([("guidance_curve", .array(points.map { point in
            guard case .object(let fields) = point.report.json else { return point.report.json }
            return .object([("guidance", .number(Double(point.guidance)))] + fields)
        }))])
    }

    /// Accuracy (conditional models) and Fréchet distance / floor against the guidance scale.
    public static func plot(_ points: [Point], title: String, path: String) throws {
        let measured = points.compactMap { point in point.report.classifier.map { (Double(point.guidance), $0) } }
        var panels = [CurvePanel(
            title: "FRECHET DISTANCE / FLOOR", xLabel: "GUIDANCE", yLabel: "",
            points: measured.map { (x: $0.0, y: $0.1.frechetDistance / $0.1.floorDistance) },
            reference: (y: 1, label: "FLOOR: TRAIN VS TEST"))]
        let accuracies = measured.compactMap { g, figures in figures.classAccuracy.map { (x: g, y: $0 * 100) } }
        if !accuracies.isEmpty {
            panels.insert(CurvePanel(title: "CLASS ACCURACY %", xLabel: "GUIDANCE", yLabel: "", points: accuracies), at: 0)
        }
        try curvePlot(panels, title: title, path: path)
    }
}
