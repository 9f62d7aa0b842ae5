import CacheAside
import NIOConcurrencyHelpers
import NIOCore
import RESP

/// The near cache's link to Redis (see ``NearCache``): one RESP3 connection per primary that
/// tracks the store's signal keys (`CLIENT TRACKING ON BCAST PREFIX #<name>:i:`), so Redis sends
/// an `invalidate` push whenever any instance purges a prefix, resets one, or replaces an entry.
/// Counter flushes and stores of new entries write no signal key, so they invalidate nothing.
///
/// The near cache keeps copies only while every primary's connection is tracking. A lost
/// connection, a reconnect, a Redis restart or a changed set of primaries drops every copy, and
/// nothing is kept until tracking is back; a flush of Redis (`FLUSHALL`, the null invalidation)
/// drops every copy too.
final class NearTracking: Sendable {
    private struct State {
        var task: Task<Void, Never>?
        var connections: [RedisConnection] = []
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())

    /// Whether ``start(_:)`` would start it: not running, not stopped.
    var needsStart: Bool { state.withLockedValue { $0.task == nil && !$0.stopped } }

    /// Starts tracking unless it runs (or was stopped for good).
    func start(_ body: @escaping @Sendable () async -> Void) {
        state.withLockedValue { state in
            guard state.task == nil, !state.stopped else { return }
            state.task = Task { await body() }
        }
    }

    /// Remembers the connections of the current session, to close them on ``stop()``; `false`
    /// when stopped meanwhile (the caller closes them).
    func hold(_ connections: [RedisConnection]) -> Bool {
        state.withLockedValue { state in
            guard !state.stopped else { return false }
            state.connections = connections
            return true
        }
    }

    var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// Stops tracking and closes its connections; ``start(_:)`` may run it again after
    /// ``reopen()``.
    func stop() async {
        let (task, connections) = state.withLockedValue { state in
            state.stopped = true
            defer {
                state.task = nil
                state.connections = []
            }
            return (state.task, state.connections)
        }
        task?.cancel()
        for connection in connections { await connection.close() }
        await task?.value
    }

    /// Stops tracking without waiting: for a store that goes without ``stop()``.
    func cancel() {
        let (task, connections) = state.withLockedValue { state in
            state.stopped = true
            return (state.task, state.connections)
        }
        task?.cancel()
        for connection in connections { Task { await connection.close() } }
    }

    /// Lets a closed store track again when it is used again.
    func reopen() {
        state.withLockedValue { $0.stopped = false }
    }
}

extension RedisStore {
    /// Starts the near cache's tracking on first use (see ``NearTracking``). The task holds what it
    /// needs, not the store, so a store dropped without ``close()`` goes (its deinit cancels it).
    func startNearTracking() {
        guard near.isEnabled, nearTracking.needsStart else { return }
        let link = NearLink(near: near, pool: pool, names: names, tracking: nearTracking)
        nearTracking.start { await link.track() }
    }
}

/// What the near cache's tracking needs of its store.
struct NearLink: Sendable {
    let near: NearCache
    let pool: RedisClient
    let names: RedisKeys
    let tracking: NearTracking

    /// How often tracking checks that the set of primaries is the one it tracks.
    static let topologyCheck = Duration.milliseconds(250)

    /// Tracks until stopped: connects to every primary, then waits for a connection to close or
    /// the primaries to change, and starts again (50 ms after a failure, doubling up to 2 s).
    func track() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled, !tracking.isStopped {
            near.dropAll(live: false)
            do {
                let nodes = try await pool.primaries()
                let lost = AsyncStream<Void>.makeStream()
                var connections: [RedisConnection] = []
                do {
                    for node in nodes {
                        let connection = try await trackingConnection(to: node)
                        connections.append(connection)
                        connection.whenClosed { lost.continuation.yield() }
                    }
                } catch {
                    for connection in connections { await connection.close() }
                    throw error
                }
                guard tracking.hold(connections) else {
                    for connection in connections { await connection.close() }
                    return
                }
                near.dropAll(live: true)
                delay = .milliseconds(50)
                // Until a connection closes or the primaries change.
                let watch = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.topologyCheck)
                        guard let now = try? await pool.primaries() else { continue }
                        if Set(now.map(\.description)) != Set(nodes.map(\.description)) {
                            lost.continuation.yield()
                            return
                        }
                    }
                }
                for await _ in lost.stream { break }
                watch.cancel()
                near.dropAll(live: false)
                for connection in connections { await connection.close() }
            } catch {
                near.dropAll(live: false)
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
        near.dropAll(live: false)
    }

    /// A connection to `node` in RESP3 that tracks the signal keys in broadcast mode; its
    /// invalidations go to the near cache as they are read.
    private func trackingConnection(to node: RedisNode) async throws(RedisError) -> RedisConnection {
        var url = pool.url
        if pool.isCluster == true {
            url.host = node.host
            url.port = node.port
            url.database = 0
        }
        var options = pool.options
        options.clientName = options.clientName.map { $0 + "-near" }
        let near = self.near
        let names = self.names
        options.onPush = { parts in
            guard parts.count == 2, parts[0].string == "invalidate" else { return }
            guard case .array(let keys) = parts[1] else {
                // A flush of Redis: every key is gone.
                near.dropAll(live: true)
                return
            }
            for key in keys {
                if let prefix = key.string.flatMap(names.prefix(ofSignal:)) {
                    near.invalidate(prefix: prefix, fromRedis: true)
                }
            }
        }
        let connection = try await RedisConnection.connect(to: url, options: options)
        var refusal: RedisError?
        do {
            let hello = try await connection.execute(RESPCommand("HELLO", "3"))
            let tracking = try await connection.execute(
                RESPCommand("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", names.signalHead))
            if let message = hello.errorMessage ?? tracking.errorMessage { refusal = .server(message) }
        } catch {
            refusal = error
        }
        if let refusal {
            await connection.close()
            throw refusal
        }
        return connection
    }
}
