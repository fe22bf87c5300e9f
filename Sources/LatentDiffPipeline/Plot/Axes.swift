/// A plotting area inside a canvas with data ranges, ticks and labels: maps data (x, y) to pixels.
public struct Axes {
    public let left: Int, top: Int, width: Int, height: Int
    public let xRange: (Double, Double), yRange: (Double, Double)

    /// Draws the frame, ticks with values and the axis labels on `canvas`; x ticks at `xTicks`
    /// (values inside the range) or at five even steps.
    public init(canvas: inout Canvas, left: Int = 60, top: Int = 40, right: Int = 20, bottom: Int = 50,
                xRange: (Double, Double), yRange: (Double, Double), xLabel: String, yLabel: String, title: String,
                xTicks: [Double]? = nil) {
        self.left = left
        self.top = top
        width = canvas.width - left - right
        height = canvas.height - top - bottom
        self.xRange = xRange.0 < xRange.1 ? xRange : (xRange.0 - 1, xRange.0 + 1)
        self.yRange = yRange.0 < yRange.1 ? yRange : (yRange.0 - 1, yRange.0 + 1)
        let (x0, y0, x1, y1) = (left, top, left + width, top + height)
        for (a, b) in [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))] {
            canvas.line(from: a, to: b, color: Canvas.black)
        }
        let xSpan = self.xRange.1 - self.xRange.0
        for xValue in xTicks ?? (0...4).map({ self.xRange.0 + Double($0) / 4 * xSpan }) {
            let fx = (xValue - self.xRange.0) / xSpan
            guard (0...1).contains(fx) else { continue }
            let px = x0 + Int(fx * Double(width))
            canvas.line(from: (px, y1), to: (px, y1 + 4), color: Canvas.black)
            let xText = tickText(xValue)
            canvas.text(xText, x: px - Canvas.textWidth(xText) / 2, y: y1 + 8)
        }
        for i in 0...4 {
            let fx = Double(i) / 4
            let yValue = self.yRange.0 + fx * (self.yRange.1 - self.yRange.0)
            let py = y1 - Int(fx * Double(height))
            canvas.line(from: (x0 - 4, py), to: (x0, py), color: Canvas.black)
            let yText = tickText(yValue)
            canvas.text(yText, x: x0 - 6 - Canvas.textWidth(yText), y: py - 3)
        }
        canvas.text(xLabel, x: x0 + width / 2 - Canvas.textWidth(xLabel, scale: 2) / 2, y: y1 + 24, scale: 2)
        canvas.text(yLabel, x: max(0, left - 56), y: top - 16, scale: 2)
        canvas.text(title, x: x0 + width / 2 - Canvas.textWidth(title, scale: 2) / 2, y: max(0, top - 32), scale: 2)
    }

    /// The pixel of data point (x, y), or nil outside the area.
    public func pixel(_ x: Double, _ y: Double) -> (Int, Int)? {
        let fx = (x - xRange.0) / (xRange.1 - xRange.0), fy = (y - yRange.0) / (yRange.1 - yRange.0)
        guard (0...1).contains(fx), (0...1).contains(fy) else { return nil }
        return (left + Int(fx * Double(width)), top + height - Int(fy * Double(height)))
    }
}

/// A short tick label: 2 significant decimals at most.
func tickText(_ value: Double) -> String {
    let magnitude = abs(value)
    return format(value, digits: magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2)
}
