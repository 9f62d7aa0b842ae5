import NIOConcurrencyHelpers

/// One computation per key at a time: the first caller computes in its own task, callers that
/// arrive meanwhile wait for what it publishes.
///
/// The leader computes inline (so its computation may use non-escaping state such as a
/// middleware's `next`) and must always ``finish(_:_:with:)`` its flight, whatever happens.
final class SingleFlight<Key: Hashable & Sendable>: Sendable {
    /// What a leader hands to the callers that waited for it.
    enum Published: Sendable {
        /// The value, which every waiter may use.
        case value([UInt8])
        /// A value meant for the leader only (for example a response that sets a cookie):
        /// each waiter computes its own.
        case notShareable
        /// The computation's error, rethrown to every waiter.
        case failed(any Error)
        /// The leader was cancelled before it finished: waiters start over.
        case abandoned
    }

    enum Role {
        case leader(Flight)
        case follower(Flight)
    }

    final class Flight: Sendable {
        private let state = NIOLockedValueBox<
            (published: Published?, waiters: [CheckedContinuation<Published, Never>])
        >(
            (nil, []))

        func wait() async -> Published {
            await withCheckedContinuation { continuation in
                let published = state.withLockedValue { state -> Published? in
                    if let published = state.published { return published }
                    state.waiters.append(continuation)
                    return nil
                }
                if let published { continuation.resume(returning: published) }
            }
        }

        fileprivate func publish(_ published: Published) {
            let waiters = state.withLockedValue { state in
                state.published = published
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: published) }
        }
    }

    private let flights = NIOLockedValueBox<[Key: Flight]>([:])

    /// Joins the flight of `key`, or starts one with the caller as its leader.
    func join(_ key: Key) -> Role {
        flights.withLockedValue { flights in
            if let flight = flights[key] { return .follower(flight) }
            let flight = Flight()
            flights[key] = flight
            return .leader(flight)
        }
    }

    /// Ends a leader's flight: later callers start a new one, and the waiters get `published`.
    func finish(_ key: Key, _ flight: Flight, with published: Published) {
        flights.withLockedValue { flights in
            if flights[key] === flight { flights[key] = nil }
        }
        flight.publish(published)
    }
}
