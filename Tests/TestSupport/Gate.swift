import NIOConcurrencyHelpers

/// Holds computations until the test opens it, so a test can purge while a value is being computed.
public final class Gate: Sendable {
    private struct State {
        var open = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var arrived = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Waits until ``open()``; returns at once if it already happened.
    public func wait() async {
        await withCheckedContinuation { continuation in
            let resume = state.withLockedValue { state -> Bool in
                state.arrived += 1
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    /// How many tasks have reached ``wait()``.
    public var arrived: Int { state.withLockedValue { $0.arrived } }

    public func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits, yielding, until `count` tasks are waiting; bounded so a broken test fails instead of hanging.
    public func waitForArrivals(_ count: Int) async throws {
        for _ in 0..<100_000 where arrived < count {
            try await Task.sleep(for: .microseconds(50))
        }
        if arrived < count { throw GateTimeout(expected: count, arrived: arrived) }
    }

    public struct GateTimeout: Error {
        var expected: Int
        var arrived: Int
    }
}
