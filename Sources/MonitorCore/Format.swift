import Foundation

/// Number, size, ratio and time formats shared by the monitor and the `cachemon` commands.
public enum Format {
    /// `1,204`.
    public static func count<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// A count and its noun, singular for exactly one: `1 key`, `0 keys`, `1,204 keys`, `1 entry`.
    ///
    /// ```swift
    /// Format.count(1, "key")                        // "1 key"
    /// Format.count(3, "entry", plural: "entries")   // "3 entries"
    /// ```
    public static func count<T: BinaryInteger>(_ value: T, _ noun: String, plural: String? = nil) -> String {
        count(value) + " " + (value == 1 ? noun : plural ?? noun + "s")
    }

    /// `94.2%`, or `–` when there is nothing to divide.
    public static func percent(_ ratio: Double?) -> String {
        guard let ratio else { return "–" }
        return String(format: "%.1f%%", ratio * 100)
    }

    /// `3.1`, `1,204`.
    public static func rate(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        if value >= 1000 { return count(Int(value.rounded())) }
        return String(format: "%.1f", value)
    }

    /// `61.3 MiB`.
    public static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// `0.4 ms`, `18 µs`, `1.2 s`.
    public static func milliseconds(_ seconds: Double) -> String {
        if seconds < 0.0001 { return String(format: "%.0f µs", seconds * 1_000_000) }
        if seconds < 1 { return String(format: "%.1f ms", seconds * 1000) }
        return String(format: "%.2f s", seconds)
    }

    /// `45s`, `3m`, `2h`, `4d`.
    public static func span(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" }
        if whole < 86_400 { return "\(whole / 3600)h" }
        return "\(whole / 86_400)d"
    }

    /// `0.4 s`, `12.3 s`, then `4m12s`: for amounts of computation.
    public static func seconds(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1f s", max(0, seconds)) : duration(seconds)
    }

    /// `2m14s`, `51s`, `1h05m`: for ages and times to live.
    public static func duration(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" + String(format: "%02d", whole % 60) + "s" }
        return "\(whole / 3600)h" + String(format: "%02d", whole % 3600 / 60) + "m"
    }

    /// `3m ago`, or `never`.
    public static func ago(_ date: Date?, now: Date) -> String {
        guard let date else { return "never" }
        return span(now.timeIntervalSince(date)) + " ago"
    }

    /// `12:01:07` in the given zone.
    public static func clock(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// `▁▂▃▅▆▇` from ratios; a space for an interval with no lookups.
    public static func sparkline(_ ratios: [Double?]) -> String {
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        return String(
            ratios.map { ratio in
                guard let ratio else { return " " }
                return blocks[min(blocks.count - 1, max(0, Int((ratio * Double(blocks.count)).rounded(.down))))]
            })
    }
}
