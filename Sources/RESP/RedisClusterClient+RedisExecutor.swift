import NIOCore

/// Commands routed by key to the primary serving its slot.
extension RedisClusterClient {
    /// Runs `script` on the primary of `keys[0]` (all keys must share its slot): `EVALSHA`, or
    /// `EVAL` on a node that does not know the script yet. A Lua error is thrown as
    /// ``RedisError/server(_:)``.
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [ByteBuffer]) async throws(RedisError)
        -> RESPValue
    {
        let slot = keys.first.map { HashSlot.slot(of: $0) }
        let sha = try await digest(of: script, slot: slot)
        let request = Self.scriptRequest(sha: sha, source: script.sourceBytes, keys: keys, arguments: arguments)
        let answer = try await run([request], scriptLoad: nil)[0]
        if let message = answer.errorMessage { throw .server(message) }
        return answer
    }

    /// Runs `script` once per call, each on the primary of its first key: one pipeline per node,
    /// the nodes at once. A node that answers `NOSCRIPT` gets one `SCRIPT LOAD` and the failed
    /// calls again as one pipeline. The answers in call order, a Lua error as a value in its place.
    public func evaluateAll(_ script: RedisScript, calls: [(keys: [String], arguments: [ByteBuffer])])
        async throws(RedisError) -> [RESPValue]
    {
        guard let first = calls.first else { return [] }
        let sha = try await digest(of: script, slot: first.keys.first.map { HashSlot.slot(of: $0) })
        let source = script.sourceBytes
        var requests: [Request] = []
        requests.reserveCapacity(calls.count)
        for call in calls {
            requests.append(Self.scriptRequest(sha: sha, source: source, keys: call.keys, arguments: call.arguments))
        }
        let scriptLoad = RESPCommand([ByteBuffer(string: "SCRIPT"), ByteBuffer(string: "LOAD"), source])
        return try await run(requests, scriptLoad: scriptLoad)
    }

    /// Runs `script` once per call on the primary serving the call's `slot`, declaring no keys:
    /// for a script that reads keys of several slots of one node (flag `allow-cross-slot-keys`).
    /// A node that no longer serves a slot fails the script (`Script attempted to access a non
    /// local key`); that answer is returned in its place like any Lua error.
    public func evaluateAll(_ script: RedisScript, routed calls: [(slot: Int, arguments: [ByteBuffer])])
        async throws(RedisError) -> [RESPValue]
    {
        guard let first = calls.first else { return [] }
        let sha = try await digest(of: script, slot: first.slot)
        let source = script.sourceBytes
        let requests = calls.map { call in
            Self.scriptRequest(sha: sha, source: source, keys: [], arguments: call.arguments, slot: call.slot)
        }
        let scriptLoad = RESPCommand([ByteBuffer(string: "SCRIPT"), ByteBuffer(string: "LOAD"), source])
        return try await run(requests, scriptLoad: scriptLoad)
    }

    /// Runs a command on the primary of `key` (the first primary when `nil`); a server error is
    /// thrown as ``RedisError/server(_:)``.
    @discardableResult
    public func execute(_ command: RESPCommand, key: String?) async throws(RedisError) -> RESPValue {
        let request = Request(slot: key.map { HashSlot.slot(of: $0) }, command: command, fallback: nil)
        let answer = try await run([request], scriptLoad: nil)[0]
        if let message = answer.errorMessage { throw .server(message) }
        return answer
    }

    /// Runs commands, each on the primary of its key: one pipeline per node, the nodes at once;
    /// the answers in the order of `commands`, a server error as a value in its place.
    public func pipeline(_ commands: [(key: String?, command: RESPCommand)]) async throws(RedisError)
        -> [RESPValue]
    {
        var requests: [Request] = []
        requests.reserveCapacity(commands.count)
        for entry in commands {
            let slot = entry.key.map { HashSlot.slot(of: $0) }
            requests.append(Request(slot: slot, command: entry.command, fallback: nil))
        }
        return try await run(requests, scriptLoad: nil)
    }

    /// A pooled connection to the primary of `key`'s slot (the first primary when `nil`), for
    /// commands that must run together on that node, such as a purge and its `WAIT`. Waits
    /// (within the retry budget) while the node refuses connections and the map is refreshed.
    public func connection(forKey key: String?) async throws(RedisError) -> RedisConnection {
        let slot = key.map { HashSlot.slot(of: $0) }
        var backoff = ClusterBackoff(budget: retryBudget)
        while true {
            let map = try await routingMap(&backoff)
            do throws(RedisError) {
                return try await pool(for: map.address(forSlot: slot)).connection()
            } catch {
                guard case .cannotConnect = error else { throw error }
                requestRefresh()
                guard try await backoff.wait() else { throw error }
            }
        }
    }

    /// The primaries of the current map.
    public func primaries() async throws(RedisError) -> [RedisNode] {
        try await slotMap().nodes
    }

    /// The script's SHA1, learnt once with `SCRIPT LOAD` on the primary of `slot` (it is the
    /// same on every node).
    private func digest(of script: RedisScript, slot: Int?) async throws(RedisError) -> String {
        if let known = script.sha { return known }
        let load = Request(slot: slot, command: RESPCommand("SCRIPT", "LOAD", script.source), fallback: nil)
        let answer = try await run([load], scriptLoad: nil)[0]
        if let message = answer.errorMessage { throw .server(message) }
        guard let sha = answer.string else { throw .protocolError("SCRIPT LOAD answered \(answer), not a digest") }
        script.sha = sha
        return sha
    }

    /// `EVALSHA sha n keys… arguments…`, routed by `slot` or else its first key, with its `EVAL` form.
    private static func scriptRequest(
        sha: String, source: ByteBuffer, keys: [String], arguments: [ByteBuffer], slot: Int? = nil
    ) -> Request {
        var tail: [ByteBuffer] = [ByteBuffer(string: String(keys.count))]
        tail.reserveCapacity(1 + keys.count + arguments.count)
        for key in keys { tail.append(ByteBuffer(string: key)) }
        tail.append(contentsOf: arguments)
        let byDigest = RESPCommand([ByteBuffer(string: "EVALSHA"), ByteBuffer(string: sha)] + tail)
        let bySource = RESPCommand([ByteBuffer(string: "EVAL"), source] + tail)
        return Request(
            slot: slot ?? keys.first.map { HashSlot.slot(of: $0) }, command: byDigest, fallback: bySource)
    }
}
