/// A grouped bar chart of ns per page, drawn by hand as SVG: one group per workload and format,
/// one bar per design and view, on a logarithmic axis.
enum BenchChart {
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"]

    static func svg(_ results: [Measurement]) -> String {
        let groups = results.reduce(into: [String]()) { names, result in
            let name = "\(result.workload) \(result.format)"
            if !names.contains(name) { names.append(name) }
        }
        let series = results.reduce(into: [String]()) { names, result in
            let name = result.design == "floor" ? "floor" : "\(result.design) \(result.view)"
            if !names.contains(name) { names.append(name) }
        }
        let barWidth = 10.0, gap = 24.0, left = 60.0, top = 30.0, height = 300.0
        let groupWidth = Double(series.count) * barWidth + gap
        let width = left + Double(groups.count) * groupWidth + 220
        let values = results.map(\.nanosecondsPerPage).filter { $0 > 0 }
        let low = log10((values.min() ?? 0.1) / 2), high = log10((values.max() ?? 10) * 2)
        func y(_ value: Double) -> Double { top + height - (log10(max(value, 1e-3)) - low) / (high - low) * height }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(top + height + 170))\" font-family=\"sans-serif\" font-size=\"10\">",
                   "<text x=\"\(left)\" y=\"16\" font-size=\"13\">walkcheck bench: ns per mapped page (log scale; lower is better)</text>"]
        var tick = pow10(Int(low.rounded(.down)))
        while log10(tick) <= high {
            if log10(tick) >= low {
                svg.append("<line x1=\"\(left)\" x2=\"\(width - 220)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>")
                svg.append("<text x=\"\(left - 6)\" y=\"\(y(tick) + 3)\" text-anchor=\"end\">\(BenchReport.number(tick, decimals: tick < 1 ? 2 : 0))</text>")
            }
            tick *= 10
        }
        for (groupIndex, group) in groups.enumerated() {
            let x0 = left + Double(groupIndex) * groupWidth
            for (seriesIndex, name) in series.enumerated() {
                guard let result = results.first(where: { "\($0.workload) \($0.format)" == group
                    && ($0.design == "floor" ? "floor" : "\($0.design) \($0.view)") == name }) else { continue }
                let x = x0 + Double(seriesIndex) * barWidth
                let barTop = y(result.nanosecondsPerPage)
                svg.append("<rect x=\"\(x)\" y=\"\(barTop)\" width=\"\(barWidth - 1)\" height=\"\(top + height - barTop)\" fill=\"\(palette[seriesIndex % palette.count])\">"
                           + "<title>\(name): \(BenchReport.number(result.nanosecondsPerPage, decimals: 3)) ns/page</title></rect>")
            }
            let labelX = x0 + Double(series.count) * barWidth / 2
            svg.append("<text transform=\"translate(\(labelX),\(top + height + 10)) rotate(45)\">\(group)</text>")
        }
        for (index, name) in series.enumerated() {
            let yLegend = top + Double(index) * 14
            svg.append("<rect x=\"\(width - 200)\" y=\"\(yLegend)\" width=\"10\" height=\"10\" fill=\"\(palette[index % palette.count])\"/>")
            svg.append("<text x=\"\(width - 185)\" y=\"\(yLegend + 9)\">\(name)</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private static func log10(_ value: Double) -> Double {
        var exponent = 0.0, x = value
        while x >= 10 { x /= 10; exponent += 1 }
        while x < 1 { x *= 10; exponent -= 1 }
        // log10 of the mantissa by the series of ln(x) / ln(10), good to a few digits for a chart.
        var ln = 0.0, term = (x - 1) / (x + 1), power = term
        for k in stride(from: 1.0, through: 41, by: 2) { ln += power / k; power *= term * term }
        return exponent + 2 * ln / 2.302585092994046
    }

    private static func pow10(_ exponent: Int) -> Double {
        exponent >= 0 ? (0..<exponent).reduce(1.0) { r, _ in r * 10 } : (0..<(-exponent)).reduce(1.0) { r, _ in r / 10 }
    }
}
