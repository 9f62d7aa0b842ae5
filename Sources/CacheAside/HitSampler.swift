import NIOConcurrencyHelpers
import Synchronization

/// Picks the hits to verify in the background: every n-th hit for a share of 1/n, at most
/// `perSecond` a second and a few at a time, so sampling never costs the hit path more than an
/// atomic increment and never floods the application with recomputations.
final class HitSampler: Sendable {
    /// Every how many hits one is picked; 0 when sampling is off.
    let every: UInt64
    let perSecond: Int
    let maximumInFlight: Int
    private let hits = Atomic<UInt64>(0)
    private let budget: NIOLockedValueBox<(windowStart: Int64, started: Int, inFlight: Int)>

    init(share: Double, perSecond: Int, maximumInFlight: Int = 4) {
        every = share > 0 ? UInt64(max(1, (1 / min(share, 1)).rounded())) : 0
        self.perSecond = max(1, perSecond)
        self.maximumInFlight = max(1, maximumInFlight)
        budget = NIOLockedValueBox((-1_000_000_000, 0, 0))
    }

    var isOn: Bool { every > 0 }

    /// Whether to verify this hit: its turn came, and the second's budget and the in-flight
    /// bound allow one more. A `true` must be followed by ``finished()``.
    func selects(now: Int64) -> Bool {
        guard every > 0 else { return false }
        let count = hits.wrappingAdd(1, ordering: .relaxed).newValue
        guard count % every == 0 else { return false }
        return budget.withLockedValue { budget in
            if now.subtractingReportingOverflow(budget.windowStart).partialValue >= 1_000_000_000 {
                budget.windowStart = now
                budget.started = 0
            }
            guard budget.started < perSecond, budget.inFlight < maximumInFlight else { return false }
            budget.started += 1
            budget.inFlight += 1
            return true
        }
    }

    func finished() {
        budget.withLockedValue { $0.inFlight -= 1 }
    }
}
