import CacheAside
import NIOConcurrencyHelpers
import NIOCore
import RESP

/// Every Redis call of the store goes through these helpers, each naming the key that decides
/// where it runs (its cluster slot): a cluster client can take the pools' place here alone.
extension RedisStore {
    /// Which connections a call uses: the hit path's, or everything else's.
    enum Lane {
        case hit
        case background
    }

    private func connections(for lane: Lane) -> RedisClient {
        switch lane {
        case .hit: pool
        case .background: backgroundPool
        }
    }

    /// With a test's clock, connects first: the connection learns Redis's time, which the time
    /// argument of every script is counted from (see ``testClockMilliseconds()``).
    private func anchor(_ lane: Lane) async throws(RedisError) {
        guard !clock.isRealTime, testClockAnchor.withLockedValue({ $0 }) == nil else { return }
        _ = try await connections(for: lane).connection(forKey: nil)
    }

    /// Runs `script` over `keys`, which all share the slot of `keys[0]`; the arguments are made
    /// once connected.
    @discardableResult
    func evaluate(
        _ script: RedisScript, keys: [String], arguments: @autoclosure () -> [ByteBuffer], lane: Lane = .background
    ) async throws(RedisError) -> RESPValue {
        try await anchor(lane)
        return try await connections(for: lane).evaluate(script, keys: keys, arguments: arguments())
    }

    /// Runs `script` once per call, pipelined; each call's keys share the slot of its first key.
    /// Answers in order, a Lua error as a value in its place.
    func evaluateAll(
        _ script: RedisScript, calls: @autoclosure () -> [(keys: [String], arguments: [ByteBuffer])],
        lane: Lane = .background
    ) async throws(RedisError) -> [RESPValue] {
        try await anchor(lane)
        let calls = calls()
        guard !calls.isEmpty else { return [] }
        return try await connections(for: lane).evaluateAll(script, calls: calls)
    }

    /// Sends commands pipelined, each to the slot of its `key`; answers in order, errors as values.
    func pipeline(_ commands: [(key: String, command: RESPCommand)], lane: Lane = .background)
        async throws(RedisError) -> [RESPValue]
    {
        guard !commands.isEmpty else { return [] }
        return try await connections(for: lane).pipeline(commands.map { (key: $0.key, command: $0.command) })
    }

    /// Runs one keyless command (`TIME`, `INFO`) on any node.
    func execute(_ command: RESPCommand, lane: Lane = .background) async throws(RedisError) -> RESPValue {
        try await connections(for: lane).execute(command, key: nil)
    }

    /// Runs a read-only script once per call, as ``evaluateAll(_:calls:lane:)`` answers, but on a
    /// standalone Redis in a single call (see ``PartitionBatch``).
    func evaluatePartitions(
        _ batch: PartitionBatch, calls: [(keys: [String], arguments: [ByteBuffer])], lane: Lane = .background
    ) async throws(RedisError) -> [RESPValue] {
        guard !calls.isEmpty else { return [] }
        guard connections(for: lane).isCluster == false, calls.count > 1 else {
            return try await evaluateAll(batch.single, calls: calls, lane: lane)
        }
        let packed = PartitionBatch.pack(calls)
        let answer = try await evaluate(batch.batched, keys: packed.keys, arguments: packed.arguments, lane: lane)
        guard case .array(let answers) = answer, answers.count == calls.count else {
            throw .protocolError("a batched script answered \(answer)")
        }
        return answers
    }
}
