import Synchronization

/// Skips a failing store for a while so a dead store costs requests nothing but the computation.
///
/// After `threshold` consecutive failures it opens for `coolDown`; then requests try the store again
/// and the first success closes it, while a failure opens it for another cool-down.
final class CircuitBreaker: Sendable {
    private let threshold: Int
    private let coolDown: Int64
    private let consecutiveFailures = Atomic<Int>(0)
    private let openUntil = Atomic<Int64>(.min)

    init(threshold: Int, coolDown: Duration) {
        self.threshold = max(1, threshold)
        self.coolDown = CacheClock.nanoseconds(coolDown)
    }

    /// Whether a request may use the store; `now` is read only while the circuit has been opened.
    func allowsRequest(now: () -> Int64) -> Bool {
        let until = openUntil.load(ordering: .relaxed)
        return until == .min || until <= now()
    }

    /// Whether it is skipping the store at `now`.
    func isOpen(now: Int64) -> Bool { !allowsRequest { now } }

    func recordSuccess() {
        // Read first: on the hit path the counter is almost always zero and a store would contend.
        if consecutiveFailures.load(ordering: .relaxed) != 0 {
            consecutiveFailures.store(0, ordering: .relaxed)
            openUntil.store(.min, ordering: .relaxed)
        }
    }

    func recordFailure(now: Int64) {
        let failures = consecutiveFailures.add(1, ordering: .relaxed).newValue
        if failures >= threshold {
            openUntil.store(now.addingReportingOverflow(coolDown).partialValue, ordering: .relaxed)
        }
    }
}
