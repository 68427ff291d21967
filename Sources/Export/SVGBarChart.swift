/// A vertical bar chart as inline SVG, drawn from numbers alone: each bar
/// carries its value as a label (when there is room) and a `<title>` a screen
/// reader reads; the page puts the same numbers in a table beside it.
/// A value of nil is suppressed (too few people): it has no bar, the scale
/// ignores it, and it is labelled `suppressed` instead of a number.
struct SVGBarChart {
    let id: String
    let title: String
    let labels: [String]
    let descriptions: [String]
    let values: [Int?]
    var suppressed = "<5"

    var barWidth: Int { values.count <= 16 ? 32 : values.count <= 40 ? 16 : 8 }

    /// True when every bar carries its value; otherwise only the tallest does.
    var labelsEveryBar: Bool { barWidth >= 16 }

    /// A "nice" tick step (1, 2 or 5 times a power of ten) giving about four gridlines up to `maximum`.
    static func step(for maximum: Int) -> Int {
        let rough = max(1, (maximum + 3) / 4)
        var magnitude = 1
        while magnitude * 10 <= rough { magnitude *= 10 }
        return [1, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
    }

    var svg: String {
        let count = values.count
        let barWidth = self.barWidth
        let gap = barWidth >= 16 ? 6 : 2
        let (left, right, top, plot, bottom) = (64, 12, 22, 180, 62)
        let width = left + count * (barWidth + gap) + right
        let height = top + plot + bottom
        let maximum = max(values.compactMap { $0 }.max() ?? 0, 1)
        let step = SVGBarChart.step(for: maximum)
        let ceiling = ((maximum + step - 1) / step) * step
        func y(_ value: Int) -> Int { top + plot - value * plot / ceiling }
        let labelEvery = max(1, (count + 15) / 16)

        var out = "<svg id=\"\(id)\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-labelledby=\"\(id)-title\">\n"
        out += "<title id=\"\(id)-title\">\(XMLText.content(title))</title>\n"
        for tick in stride(from: 0, through: ceiling, by: step) {
            out += "<line class=\"grid\" x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(width - right)\" y2=\"\(y(tick))\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(tick)</text>\n"
        }
        out += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top + plot)\" x2=\"\(width - right)\" y2=\"\(top + plot)\"/>\n"
        for (index, shown) in values.enumerated() {
            let x = left + gap / 2 + index * (barWidth + gap)
            let centre = x + barWidth / 2
            out += "<g><title>\(XMLText.content(descriptions[index]))</title>"
            if let value = shown {
                if value > 0 { out += "<rect class=\"bar\" x=\"\(x)\" y=\"\(y(value))\" width=\"\(barWidth)\" height=\"\(top + plot - y(value))\"/>" }
                if labelsEveryBar || value == maximum {
                    out += "<text class=\"value\" x=\"\(centre)\" y=\"\(y(value) - 5)\" text-anchor=\"middle\">\(value)</text>"
                }
            } else if labelsEveryBar {
                out += "<text class=\"value\" x=\"\(centre)\" y=\"\(y(0) - 5)\" text-anchor=\"middle\">\(XMLText.content(suppressed))</text>"
            }
            out += "</g>\n"
            if index % labelEvery == 0 {
                let baseline = top + plot + 14
                out += "<text x=\"\(centre)\" y=\"\(baseline)\" text-anchor=\"end\" transform=\"rotate(-40 \(centre) \(baseline))\">\(XMLText.content(labels[index]))</text>\n"
            }
        }
        return out + "</svg>\n"
    }
}
