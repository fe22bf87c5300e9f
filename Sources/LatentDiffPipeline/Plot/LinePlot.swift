#if canImport(Glibc)
import Glibc
#endif

/// A line plot of one series against its index (e.g. training loss per step), with a moving
/// average drawn over the raw values.
public func linePlot(_ values: [Double], title: String, xLabel: String, yLabel: String, path: String,
                     width: Int = 800, height: Int = 500, logScale: Bool = true) throws {
    var canvas = Canvas(width: width, height: height)
    let finite = values.filter { $0.isFinite && (!logScale || $0 > 0) }
    guard !finite.isEmpty else { return }
    let transform = { (v: Double) in logScale ? log10(v) : v }
    let ys = values.map { $0.isFinite && (!logScale || $0 > 0) ? transform($0) : .nan }
    let low = finite.map(transform).min() ?? 0, high = finite.map(transform).max() ?? 1
    let axes = Axes(canvas: &canvas, xRange: (0, Double(max(1, values.count - 1))), yRange: (low, high),
                    xLabel: xLabel, yLabel: logScale ? "LOG10 " + yLabel : yLabel, title: title)
    let window = max(1, values.count / 50)
    var previous: (Int, Int)?
    var average = 0.0, samples = 0
    for (i, y) in ys.enumerated() where y.isFinite {
        if let (px, py) = axes.pixel(Double(i), y) { canvas.plot(x: px, y: py, color: Canvas.gray) }
        average += y
        samples += 1
        if samples == window || i == ys.count - 1 {
            if let point = axes.pixel(Double(i), average / Double(samples)) {
                if let previous { canvas.line(from: previous, to: point, color: Canvas.palette[0]) }
                previous = point
            }
            average = 0
            samples = 0
        }
    }
    try canvas.write(path: path)
}
