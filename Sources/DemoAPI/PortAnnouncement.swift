import NIOConcurrencyHelpers

/// Hands the server's real address to whoever waits for it (a server on port 0 learns its port
/// late), or the reason it never will (the port was taken).
public final class PortAnnouncement: Sendable {
    private let state = NIOLockedValueBox<
        (result: Result<String, any Error>?, waiters: [Int: CheckedContinuation<String, any Error>], nextID: Int)
    >((nil, [:], 0))

    public init() {}

    /// Records the URL and wakes the waiters.
    public func announce(_ url: String) { settle(.success(url)) }

    /// Records that the server will not listen, and wakes the waiters with `error`.
    public func fail(_ error: any Error) { settle(.failure(error)) }

    /// The URL, once announced; throws `CancellationError` if the waiting task is cancelled.
    public func url() async throws -> String {
        let id = state.withLockedValue { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let result = state.withLockedValue { state -> Result<String, any Error>? in
                    if let result = state.result { return result }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    private func settle(_ result: Result<String, any Error>) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<String, any Error>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}
