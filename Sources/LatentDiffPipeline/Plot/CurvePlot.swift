/// One panel of `curvePlot`: a curve through `points` (x, y), in x order, with a marker on each.
public struct CurvePanel {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [(x: Double, y: Double)]
    /// A horizontal reference line (a floor or a target), drawn dashed, with its label.
    public var reference: (y: Double, label: String)?

    public init(title: String, xLabel: String, yLabel: String, points: [(x: Double, y: Double)],
                reference: (y: Double, label: String)? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.reference = reference
    }
}

/// Panels side by side in one PNG under `title`, each `panelWidth` x `height` pixels; x ticks at
/// the points' x values; y ranges cover the points and the reference line with 5% margins.
public func curvePlot(_ panels: [CurvePanel], title: String, path: String, panelWidth: Int = 460, height: Int = 440) throws {
    var canvas = Canvas(width: panelWidth * max(1, panels.count), height: height)
    canvas.text(title, x: canvas.width / 2 - Canvas.textWidth(title, scale: 2) / 2, y: 8, scale: 2)
    for (i, panel) in panels.enumerated() {
        let xs = panel.points.map(\.x), ys = panel.points.map(\.y) + (panel.reference.map { [$0.y] } ?? [])
        let (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1), (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
        let xPad = max(xHigh - xLow, 1) * 0.05, yPad = max(yHigh - yLow, abs(yHigh) * 1e-3) * 0.05
        let axes = Axes(canvas: &canvas, left: i * panelWidth + 70, top: 72, right: canvas.width - (i + 1) * panelWidth + 20,
                        xRange: (xLow - xPad, xHigh + xPad), yRange: (yLow - yPad, yHigh + yPad),
                        xLabel: panel.xLabel, yLabel: panel.yLabel, title: panel.title, xTicks: Array(Set(xs)))
        if let reference = panel.reference, let (x0, y) = axes.pixel(axes.xRange.0, reference.y) {
            for x in stride(from: x0, to: axes.left + axes.width, by: 8) {
                canvas.line(from: (x, y), to: (min(x + 4, axes.left + axes.width), y), color: Canvas.palette[3])
            }
            canvas.text(reference.label, x: axes.left + 6, y: y - 10, color: Canvas.palette[3])
        }
        let pixels = panel.points.sorted { $0.x < $1.x }.compactMap { axes.pixel($0.x, $0.y) }
        for (a, b) in zip(pixels, pixels.dropFirst()) { canvas.line(from: a, to: b, color: Canvas.palette[0]) }
        for (x, y) in pixels { canvas.fill(x: x - 2, y: y - 2, width: 5, height: 5, color: Canvas.palette[0]) }
    }
    try canvas.write(path: path)
}
