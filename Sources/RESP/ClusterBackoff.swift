/// Pauses between retries of a command a cluster cannot serve right now (`TRYAGAIN`,
/// `CLUSTERDOWN`, a node refusing connections): 5, 10, 20, 40, then 80 ms each time, plus up to
/// half as much again at random so that many callers do not retry in step, all within a budget
/// counted from the first attempt.
struct ClusterBackoff: Sendable {
    private let deadline: ContinuousClock.Instant
    private var attempt = 0

    /// A backoff whose retries must all start within `budget` from now.
    init(budget: Duration) {
        deadline = ContinuousClock.now + budget
    }

    /// Waits before the next attempt; `false`, without waiting, when that attempt would start
    /// past the budget.
    ///
    /// - Throws: ``RedisError/cancelled`` when the task is cancelled while it waits.
    mutating func wait() async throws(RedisError) -> Bool {
        let base = 5 << min(attempt, 4)
        let delay = Duration.milliseconds(base) + .microseconds(Int.random(in: 0...(base * 500)))
        guard ContinuousClock.now + delay <= deadline else { return false }
        attempt += 1
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw .cancelled
        }
        return true
    }
}
