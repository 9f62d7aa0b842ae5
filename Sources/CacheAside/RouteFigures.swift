/// What a store counts per route template: lookups, computations and their time (with a
/// log-scale histogram for the median), entries held, verifications. Sums of these merge across
/// instances, so a fleet's figures are the sums of its members'.
package struct RouteFigures: Sendable, Equatable {
    /// Histogram buckets, four per doubling: bucket `4i + j` holds computations of
    /// 2^(i+10) × (1 + j/4) to 2^(i+10) × (1 + (j+1)/4) nanoseconds, from about a microsecond (the
    /// first also holds shorter ones) to over an hour (the last also longer ones), so a median is
    /// within about 12%.
    package static let bucketCount = 128

    package var hits: UInt64 = 0
    package var misses: UInt64 = 0
    package var computations: UInt64 = 0
    package var computeNanoseconds: UInt64 = 0
    package var buckets = [UInt64](repeating: 0, count: RouteFigures.bucketCount)
    package var keys = 0
    package var bytes = 0
    package var verifications: UInt64 = 0
    package var staleVerifications: UInt64 = 0

    package init() {}

    /// Counts one computation of `nanoseconds`.
    package mutating func countComputation(nanoseconds: Int64) {
        let duration = UInt64(max(0, nanoseconds))
        computations += 1
        computeNanoseconds &+= duration
        buckets[Self.bucket(of: duration)] += 1
    }

    /// The histogram bucket of a computation that took `nanoseconds`.
    package static func bucket(of nanoseconds: UInt64) -> Int {
        guard nanoseconds >= 1 << firstOctave else { return 0 }
        let octave = UInt64.bitWidth - 1 - nanoseconds.leadingZeroBitCount
        // The two bits after the leading one: which quarter of the doubling.
        let quarter = Int((nanoseconds >> UInt64(octave - 2)) & 3)
        return min(bucketCount - 1, (octave - firstOctave) * 4 + quarter)
    }

    /// The first bucket starts at 2^10 ns (about a microsecond).
    static let firstOctave = 10

    /// The middle of a bucket, in seconds.
    static func middle(of bucket: Int) -> Double {
        let octave = bucket / 4 + firstOctave
        return Double(UInt64(1) << UInt64(octave)) * (1 + (Double(bucket % 4) + 0.5) / 4) / 1e9
    }

    package mutating func add(_ other: RouteFigures) {
        hits &+= other.hits
        misses &+= other.misses
        computations &+= other.computations
        computeNanoseconds &+= other.computeNanoseconds
        for index in buckets.indices { buckets[index] &+= other.buckets[index] }
        keys = keys.addingReportingOverflow(other.keys).partialValue
        bytes = bytes.addingReportingOverflow(other.bytes).partialValue
        verifications &+= other.verifications
        staleVerifications &+= other.staleVerifications
    }

    /// The median computation time in seconds, the middle of its bucket; `nil` before the first
    /// computation.
    package var medianSeconds: Double? {
        guard computations > 0 else { return nil }
        let half = computations / 2 + computations % 2
        var seen: UInt64 = 0
        for (index, count) in buckets.enumerated() {
            seen = seen.addingReportingOverflow(count).partialValue
            if seen >= half { return Self.middle(of: index) }
        }
        return nil
    }

    /// The wire form, for `route`.
    package func stats(route: String) -> RouteStats {
        RouteStats(
            route: route, hits: hits, misses: misses, keys: max(0, keys), bytes: max(0, bytes),
            computations: computations, computeSeconds: Double(computeNanoseconds) / 1e9,
            missCostP50Seconds: medianSeconds, verifications: verifications, staleVerifications: staleVerifications)
    }
}
