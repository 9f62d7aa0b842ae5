import NIOConcurrencyHelpers

/// Hands the server's real address to whoever waits for it (a server on port 0 learns its port late).
public final class PortAnnouncement: Sendable {
    private let state = NIOLockedValueBox<(url: String?, waiters: [CheckedContinuation<String, Never>])>((nil, []))

    public init() {}

    /// Records the URL and wakes the waiters.
    public func announce(_ url: String) {
        let waiters = state.withLockedValue { state in
            state.url = url
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: url) }
    }

    /// The URL, once announced.
    public func url() async -> String {
        await withCheckedContinuation { continuation in
            let url = state.withLockedValue { state -> String? in
                if let url = state.url { return url }
                state.waiters.append(continuation)
                return nil
            }
            if let url { continuation.resume(returning: url) }
        }
    }
}
