import CacheAdminAPI
import Foundation

/// Hits and misses per second of each prefix, from the counters of two consecutive snapshots.
public struct PrefixRates: Equatable, Sendable {
    public struct Rate: Equatable, Sendable {
        public var hitsPerSecond: Double
        public var missesPerSecond: Double
    }

    private var previous: [String: (hits: UInt64, misses: UInt64, time: Date)] = [:]
    public private(set) var rates: [String: Rate] = [:]

    public init() {}

    public static func == (lhs: PrefixRates, rhs: PrefixRates) -> Bool { lhs.rates == rhs.rates }

    /// Updates the rates of the prefixes on this page.
    public mutating func record(_ prefixes: [PrefixStats], at time: Date) {
        for prefix in prefixes {
            if let before = previous[prefix.prefix], time > before.time, prefix[.hits] >= before.hits,
                prefix[.misses] >= before.misses
            {
                let elapsed = time.timeIntervalSince(before.time)
                rates[prefix.prefix] = Rate(
                    hitsPerSecond: Double(prefix[.hits] - before.hits) / elapsed,
                    missesPerSecond: Double(prefix[.misses] - before.misses) / elapsed)
            } else if previous[prefix.prefix] != nil {
                rates[prefix.prefix] = nil
            }
            previous[prefix.prefix] = (prefix[.hits], prefix[.misses], time)
        }
        // Keep memory bounded to what was seen recently.
        if previous.count > 10_000 {
            let horizon = time.addingTimeInterval(-60)
            previous = previous.filter { $0.value.time >= horizon }
            rates = rates.filter { previous[$0.key] != nil }
        }
    }

    public mutating func reset() {
        previous.removeAll()
        rates.removeAll()
    }

    public subscript(prefix: String) -> Rate? { rates[prefix] }
}
