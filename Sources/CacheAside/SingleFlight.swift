import NIOConcurrencyHelpers

/// Runs one computation per key at a time; callers that arrive while it runs wait for its result.
///
/// The computation runs in its own task, so a caller that is cancelled does not fail the others.
final class SingleFlight<Key: Hashable & Sendable>: Sendable {
    private let flights = NIOLockedValueBox<[Key: Task<[UInt8], any Error>]>([:])

    /// The result of the computation in flight for `key`, or of `operation` started now.
    func run(_ key: Key, _ operation: @escaping @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        let task = flights.withLockedValue { flights in
            if let running = flights[key] { return running }
            let task = Task {
                defer { self.flights.withLockedValue { _ = $0.removeValue(forKey: key) } }
                return try await operation()
            }
            flights[key] = task
            return task
        }
        return try await task.value
    }

    /// How many computations are in flight.
    var count: Int { flights.withLockedValue { $0.count } }
}
