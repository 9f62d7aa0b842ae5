import Foundation

/// The time source of a store or a cache: any `Clock` measured in `Duration`, read as nanoseconds
/// since the moment it was wrapped.
///
/// Wrapping keeps `MemoryStore` and `CacheAside` free of a generic clock parameter while tests still
/// inject a clock they move by hand. Wall times for the admin API are derived from the same reading,
/// so a test clock moves them too. Other stores (such as `RedisStore`) use it the same way.
public struct CacheClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void
    private let startDate: Date
    /// Whether the wrapped clock is real time (`ContinuousClock` or `SuspendingClock`), not a test's.
    public let isRealTime: Bool

    /// Wraps `clock`; its current reading becomes zero, at wall time `wallTimeAtStart` (now,
    /// unless a test wants an instance whose wall clock is off).
    public init<C: Clock>(_ clock: C, wallTimeAtStart: Date = Date()) where C.Duration == Duration {
        let start = clock.now
        self.elapsed = { start.duration(to: clock.now) }
        self.sleeper = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
        self.startDate = wallTimeAtStart
        self.isRealTime = clock is ContinuousClock || clock is SuspendingClock
    }

    /// Nanoseconds since the clock was wrapped.
    public func now() -> Int64 { Self.nanoseconds(elapsed()) }

    /// The wall time of a reading of ``now()``.
    public func date(at nanoseconds: Int64) -> Date {
        startDate.addingTimeInterval(Double(nanoseconds) / 1e9)
    }

    /// Sleeps on the wrapped clock.
    public func sleep(for duration: Duration) async throws { try await sleeper(duration) }

    /// A duration in whole nanoseconds, saturating instead of overflowing.
    public static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAdding ? (seconds < 0 ? .min : .max) : total
    }
}
