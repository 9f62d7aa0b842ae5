import CacheAdminAPI
import Foundation

/// The totals seen at each poll, and the rates and ratios derived from them.
///
/// Ratios are request-weighted: over a window, hits divided by lookups, from the counters at the
/// window's two ends, so a busy second weighs more than an idle one, and a window with no lookups
/// has no ratio at all (it is not 0%).
public struct RateHistory: Equatable, Sendable {
    public struct Sample: Equatable, Sendable {
        public var time: Date
        public var totals: CacheTotals
    }

    /// How far back samples are kept.
    public static let span: TimeInterval = 6 * 60

    public private(set) var samples: [Sample] = []

    public init() {}

    /// Adds a sample; a counter that went down (the server restarted) starts the history again.
    /// - Returns: whether the history was reset.
    @discardableResult
    public mutating func record(_ totals: CacheTotals, at time: Date) -> Bool {
        var reset = false
        if let last = samples.last, Self.wentDown(from: last.totals, to: totals) || time <= last.time {
            samples.removeAll()
            reset = true
        }
        samples.append(Sample(time: time, totals: totals))
        let horizon = time.addingTimeInterval(-Self.span)
        samples.removeAll { $0.time < horizon }
        return reset
    }

    public mutating func reset() { samples.removeAll() }

    /// Hit ratio between the last two samples.
    public var ratioNow: Double? {
        guard samples.count >= 2 else { return nil }
        return Self.ratio(from: samples[samples.count - 2].totals, to: samples[samples.count - 1].totals)
    }

    /// Hit ratio over the last `seconds` (from the oldest sample inside the window to the newest).
    public func ratio(over seconds: TimeInterval) -> Double? {
        guard let last = samples.last, let first = oldest(within: seconds, of: last) else { return nil }
        return Self.ratio(from: first.totals, to: last.totals)
    }

    /// The share of hits that instances served from their near caches over the last `seconds`;
    /// `nil` without hits in that time.
    public func nearShare(over seconds: TimeInterval) -> Double? {
        guard let last = samples.last, let first = oldest(within: seconds, of: last) else { return nil }
        let hits = last.totals[.hits] &- first.totals[.hits]
        guard hits > 0 else { return nil }
        return Double(last.totals[.nearHits] &- first.totals[.nearHits]) / Double(hits)
    }

    /// Per second, between the last two samples, of a counter.
    public func rate(_ counter: (CacheTotals) -> UInt64) -> Double? {
        guard samples.count >= 2 else { return nil }
        let previous = samples[samples.count - 2]
        let last = samples[samples.count - 1]
        let elapsed = last.time.timeIntervalSince(previous.time)
        guard elapsed > 0 else { return nil }
        return Double(counter(last.totals) &- counter(previous.totals)) / elapsed
    }

    /// Lookups per second between the last two samples.
    public var requestsPerSecond: Double? { rate { $0[.hits] &+ $0[.misses] } }

    /// The hit ratio of each interval, oldest first, at most `count` of them; `nil` for idle intervals.
    public func ratioSeries(count: Int) -> [Double?] {
        guard samples.count >= 2, count > 0 else { return [] }
        let pairs = zip(samples.dropLast(), samples.dropFirst()).suffix(count)
        return pairs.map { Self.ratio(from: $0.totals, to: $1.totals) }
    }

    private func oldest(within seconds: TimeInterval, of last: Sample) -> Sample? {
        let start = last.time.addingTimeInterval(-seconds)
        guard let first = samples.first(where: { $0.time >= start }), first.time < last.time else { return nil }
        return first
    }

    static func ratio(from start: CacheTotals, to end: CacheTotals) -> Double? {
        let hits = end[.hits] &- start[.hits]
        let lookups = hits &+ (end[.misses] &- start[.misses])
        return lookups == 0 ? nil : Double(hits) / Double(lookups)
    }

    static func wentDown(from old: CacheTotals, to new: CacheTotals) -> Bool {
        CacheCounter.allCases.contains { new[$0] < old[$0] }
    }
}
