/// Two point clouds on one scatter plot: `real` coloured by class, `generated` in black on top,
/// with a legend. Points are (x, y) pairs; ranges cover both clouds' 0.5-99.5 percentiles.
public func scatterPlot(
    real: [(Double, Double)], realLabels: [Int], generated: [(Double, Double)],
    title: String, xLabel: String, yLabel: String, path: String, size: Int = 800
) throws {
    var canvas = Canvas(width: size, height: size)
    let all = real + generated
    func range(_ values: [Double]) -> (Double, Double) {
        let sorted = values.sorted()
        guard let first = sorted.first, let last = sorted.last else { return (0, 1) }
        let low = sorted[Int(Double(sorted.count - 1) * 0.005)], high = sorted[Int(Double(sorted.count - 1) * 0.995)]
        let pad = (high - low) * 0.05
        return (max(first, low - pad), min(last, high + pad))
    }
    let axes = Axes(canvas: &canvas, xRange: range(all.map(\.0)), yRange: range(all.map(\.1)),
                    xLabel: xLabel, yLabel: yLabel, title: title)
    for (point, label) in zip(real, realLabels) {
        if let (px, py) = axes.pixel(point.0, point.1) {
            canvas.fill(x: px - 1, y: py - 1, width: 3, height: 3, color: Canvas.palette[label % 10], alpha: 0.35)
        }
    }
    for point in generated {
        if let (px, py) = axes.pixel(point.0, point.1) {
            canvas.fill(x: px, y: py, width: 2, height: 2, color: Canvas.black, alpha: 0.5)
        }
    }
    // Legend: one swatch per class, then "generated".
    var y = axes.top + 8
    for label in 0..<10 {
        canvas.fill(x: axes.left + 8, y: y, width: 8, height: 8, color: Canvas.palette[label])
        canvas.text("REAL \(label)", x: axes.left + 20, y: y)
        y += 12
    }
    canvas.fill(x: axes.left + 8, y: y, width: 8, height: 8, color: Canvas.black)
    canvas.text("GENERATED", x: axes.left + 20, y: y)
    try canvas.write(path: path)
}
