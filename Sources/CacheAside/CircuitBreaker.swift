import Synchronization

/// Skips a failing store for a while so a dead store costs requests nothing but the computation.
///
/// After `threshold` consecutive failures it opens for `coolDown`. Then it is half-open: one
/// request (the probe) tries the store while the others keep skipping it; the probe's success
/// closes the circuit, its failure opens it for another cool-down. A store that comes back under
/// load is not hit by every waiting request at once.
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
    /// After the cool-down, exactly one caller is allowed (the probe): it moves the end of the
    /// cool-down on, as if it had failed already, so the others keep skipping the store until it
    /// answers.
    func allowsRequest(now: () -> Int64) -> Bool {
        let until = openUntil.load(ordering: .relaxed)
        if until == .min { return true }
        let current = now()
        guard until <= current else { return false }
        let next = current.addingReportingOverflow(coolDown).partialValue
        return openUntil.compareExchange(expected: until, desired: next, ordering: .relaxed).exchanged
    }

    /// Whether it is skipping the store at `now` (a probe in flight counts as open).
    func isOpen(now: Int64) -> Bool {
        let until = openUntil.load(ordering: .relaxed)
        return until != .min && now < until
    }

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
