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

    /// The key layout of the server reached: a cluster's once a client has found one (or was told
    /// so), a standalone Redis's otherwise. Every public entry point calls ``ready(_:)`` first, so
    /// it is decided before any key is named.
    var names: RedisKeys {
        (pool.isCluster ?? backgroundPool.isCluster ?? (configuration.mode == .cluster))
            ? clusterNames : standaloneNames
    }

    /// Decides, with one probe the first time, whether the server is a cluster node, which
    /// ``names`` depends on; then, once, checks that the store in Redis has this instance's key
    /// layout (on a cluster, a connection checks it only on the node holding `{name}:layout`,
    /// which an instance may never need otherwise).
    func ready(_ lane: Lane = .background) async throws(RedisError) {
        if pool.isCluster == nil, backgroundPool.isCluster == nil {
            _ = try await connections(for: lane).clusterMode()
        }
        guard !layoutChecked.withLockedValue({ $0 }) else { return }
        try await evaluate(RedisScripts.layout, keys: layoutKeys, arguments: layoutArguments, lane: lane)
        layoutChecked.withLockedValue { $0 = true }
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

    /// Runs a read-only script once per call, as ``evaluateAll(_:calls:lane:)`` answers, but in
    /// one call per server (see ``PartitionBatch``). On a cluster, the calls of partitions whose
    /// primary refused the batch (a slot moved since the map was read) run one by one.
    func evaluatePartitions(
        _ batch: PartitionBatch, calls: [(keys: [String], arguments: [ByteBuffer])], lane: Lane = .background
    ) async throws(RedisError) -> [RESPValue] {
        guard calls.count > 1 else { return try await evaluateAll(batch.single, calls: calls, lane: lane) }
        let client = connections(for: lane)
        guard try await client.clusterMode() else {
            let packed = PartitionBatch.pack(calls)
            let answer = try await evaluate(batch.batched, keys: packed.keys, arguments: packed.arguments, lane: lane)
            guard case .array(let answers) = answer, answers.count == calls.count else {
                throw .protocolError("a batched script answered \(answer)")
            }
            return answers
        }
        guard let map = try await client.slotMap() else {
            return try await evaluateAll(batch.single, calls: calls, lane: lane)
        }
        // The calls of each primary, by the slot of their first key.
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (position, call) in calls.enumerated() {
            let node = call.keys.first.flatMap { map.node(forSlot: HashSlot.slot(of: $0))?.id } ?? ""
            if groups[node] == nil { order.append(node) }
            groups[node, default: []].append(position)
        }
        let routed = order.map { node in
            let positions = groups[node] ?? []
            return (
                slot: HashSlot.slot(of: calls[positions[0]].keys.first ?? ""),
                arguments: PartitionBatch.packArguments(positions.map { calls[$0] })
            )
        }
        let answers = try await client.evaluateAll(batch.nodeBatched, routed: routed)
        var results = [RESPValue](repeating: .null, count: calls.count)
        var refused: [Int] = []
        for (node, answer) in zip(order, answers) {
            let positions = groups[node] ?? []
            guard case .array(let parts) = answer, parts.count == positions.count else {
                if let message = answer.errorMessage { _ = client.learn(fromError: message) }
                refused += positions
                continue
            }
            for (position, part) in zip(positions, parts) { results[position] = part }
        }
        if !refused.isEmpty {
            let again = try await evaluateAll(batch.single, calls: refused.map { calls[$0] }, lane: lane)
            for (position, answer) in zip(refused, again) { results[position] = answer }
        }
        return results
    }
}
