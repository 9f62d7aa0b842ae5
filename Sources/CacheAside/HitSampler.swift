import NIOConcurrencyHelpers
import Synchronization

/// Picks the hits to verify in the background: each hit with probability `share` (a hash of a
/// shared counter, so no random source is read on the hit path and no traffic pattern aliases
/// with it), at most `perSecond` a second on average (a token bucket holding one second's worth)
/// and a few at a time, so sampling never costs the hit path more than a counter and a few
/// multiplications, and never floods the application with recomputations.
final class HitSampler: Sendable {
    /// A hit is picked when its hash is below this; 0 when sampling is off.
    let threshold: UInt64
    let perSecond: Int
    let maximumInFlight: Int
    private let hits = Atomic<UInt64>(0)
    private let budget: NIOLockedValueBox<(tokens: Double, refilledAt: Int64, inFlight: Int)>

    init(share: Double, perSecond: Int, maximumInFlight: Int = 4) {
        // Shares too small to pick anything in a lifetime are off.
        let bounded = share.isFinite ? min(max(share, 0), 1) : 0
        threshold = bounded >= 1 ? .max : UInt64(bounded * 0x1p64)
        self.perSecond = max(1, perSecond)
        self.maximumInFlight = max(1, maximumInFlight)
        budget = NIOLockedValueBox((Double(self.perSecond), .min, 0))
    }

    var isOn: Bool { threshold > 0 }

    /// Whether to verify this hit: the draw picked it, and the budget and the in-flight bound
    /// allow one more. A `true` must be followed by ``finished()``. The clock is read only for a
    /// hit the draw picked.
    func selects(now clock: () -> Int64) -> Bool {
        guard threshold > 0 else { return false }
        // A load and a store, not an atomic increment: two hits at once may draw the same number,
        // which costs nothing here, and the hit path pays no locked instruction.
        let count = hits.load(ordering: .relaxed) &+ 1
        hits.store(count, ordering: .relaxed)
        guard Self.mix(count) < threshold || threshold == .max else { return false }
        let now = clock()
        return budget.withLockedValue { budget in
            if budget.refilledAt != .min {
                let elapsed = Double(now.subtractingReportingOverflow(budget.refilledAt).partialValue) / 1e9
                budget.tokens = min(Double(perSecond), budget.tokens + max(0, elapsed) * Double(perSecond))
            }
            budget.refilledAt = now
            guard budget.tokens >= 1, budget.inFlight < maximumInFlight else { return false }
            budget.tokens -= 1
            budget.inFlight += 1
            return true
        }
    }

    func finished() {
        budget.withLockedValue { $0.inFlight -= 1 }
    }

    /// SplitMix64's finalizer: successive counts give evenly spread, unrelated values.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
