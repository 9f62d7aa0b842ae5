extension ClusterSlotMap {
    /// Reads a `CLUSTER SHARDS` answer (Redis 7): per shard its `slots` as flat start/end pairs
    /// and its `nodes`, of which the primary (`role` `master`) with `health` `online` serves the
    /// slots. RESP3 maps and RESP2 flat key/value arrays are both read.
    ///
    /// A node's host is its `hostname` when announced, else its `endpoint`, else its `ip`; its
    /// port the `tls-port` when `usesTLS` (else `port`). A shard whose primary is not online
    /// leaves its slots unassigned.
    ///
    /// - Parameter askedHost: the host the answer came from, for a node whose address is unknown.
    /// - Throws: ``RedisError/protocolError(_:)`` saying what does not fit.
    public init(shards answer: RESPValue, usesTLS: Bool, askedHost: String) throws(RedisError) {
        guard case .array(let shards) = answer else {
            throw .protocolError("CLUSTER SHARDS answered \(Self.shortened(answer)), not a list of shards")
        }
        var nodes: [RedisNode] = []
        var aliases: [RedisNode.Address: Int] = [:]
        var owners = [UInt16](repeating: Self.unassigned, count: HashSlot.count)
        for shard in shards {
            let fields = try Self.fields(shard, "a shard in CLUSTER SHARDS")
            guard case .array(let bounds)? = fields["slots"], bounds.count % 2 == 0 else {
                throw .protocolError("a shard in CLUSTER SHARDS has no list of slot pairs: \(Self.shortened(shard))")
            }
            guard case .array(let members)? = fields["nodes"] else {
                throw .protocolError("a shard in CLUSTER SHARDS has no list of nodes: \(Self.shortened(shard))")
            }
            var primary: (node: RedisNode, names: [String])?
            for member in members {
                let node = try Self.fields(member, "a node in CLUSTER SHARDS")
                guard node["role"]?.string == "master", node["health"]?.string == "online" else { continue }
                primary = try Self.shardNode(node, usesTLS: usesTLS, askedHost: askedHost)
                break
            }
            guard let primary else { continue }
            let index = nodes.count
            nodes.append(primary.node)
            for name in primary.names { aliases[RedisNode.Address(host: name, port: primary.node.port)] = index }
            for pair in stride(from: 0, to: bounds.count, by: 2) {
                let range = try Self.slotRange(bounds[pair], bounds[pair + 1], "CLUSTER SHARDS")
                for slot in range { owners[slot] = UInt16(index) }
            }
        }
        try self.init(nodes: nodes, owners: owners, aliases: aliases)
    }

    /// Reads a `CLUSTER SLOTS` answer, for servers before Redis 7: per range its start, end and
    /// primary `[ip, port, id, {hostname…}]`, then its replicas, which are skipped. An empty IP
    /// is the host that was asked; `?` (an unknown endpoint) leaves the range unassigned.
    ///
    /// - Throws: ``RedisError/protocolError(_:)`` saying what does not fit.
    public init(slots answer: RESPValue, usesTLS: Bool, askedHost: String) throws(RedisError) {
        guard case .array(let ranges) = answer else {
            throw .protocolError("CLUSTER SLOTS answered \(Self.shortened(answer)), not a list of slot ranges")
        }
        var nodes: [RedisNode] = []
        var aliases: [RedisNode.Address: Int] = [:]
        var indexByID: [String: Int] = [:]
        var owners = [UInt16](repeating: Self.unassigned, count: HashSlot.count)
        for entry in ranges {
            guard case .array(let parts) = entry, parts.count >= 3, case .array(let primary) = parts[2],
                primary.count >= 2, let ip = primary[0].string, let rawPort = primary[1].int,
                (1...65_535).contains(rawPort)
            else { throw .protocolError("a slot range in CLUSTER SLOTS is not [start, end, [ip, port, …], …]") }
            let range = try Self.slotRange(parts[0], parts[1], "CLUSTER SLOTS")
            guard ip != "?" else { continue }
            let port = Int(rawPort)
            var names: [String] = []
            if primary.count > 3, let metadata = try? Self.fields(primary[3], "node metadata"),
                let hostname = metadata["hostname"]?.string, !hostname.isEmpty
            {
                names.append(hostname)
            }
            names.append(ip.isEmpty ? askedHost : ip)
            let id = (primary.count > 2 ? primary[2].string : nil) ?? "\(names[0]):\(port)"
            let index: Int
            if let known = indexByID[id] {
                index = known
            } else {
                index = nodes.count
                indexByID[id] = index
                nodes.append(RedisNode(id: id, host: names[0], port: port, usesTLS: usesTLS))
                for name in names { aliases[RedisNode.Address(host: name, port: port)] = index }
            }
            for slot in range { owners[slot] = UInt16(index) }
        }
        try self.init(nodes: nodes, owners: owners, aliases: aliases)
    }

    /// A primary of `CLUSTER SHARDS` and every name it is known by, the one to connect to first.
    private static func shardNode(_ node: [String: RESPValue], usesTLS: Bool, askedHost: String)
        throws(RedisError) -> (node: RedisNode, names: [String])
    {
        guard let id = node["id"]?.string, !id.isEmpty else {
            throw .protocolError("a node in CLUSTER SHARDS has no id")
        }
        let plainPort = node["port"]?.int
        let tlsPort = node["tls-port"]?.int
        let chosenPort = usesTLS ? (tlsPort ?? plainPort) : (plainPort ?? tlsPort)
        guard let chosenPort, (1...65_535).contains(chosenPort) else {
            throw .protocolError("the node \(id) in CLUSTER SHARDS has no valid port")
        }
        var names: [String] = []
        for field in ["hostname", "endpoint", "ip"] {
            // "?" is an endpoint the node does not know.
            guard let name = node[field]?.string, !name.isEmpty, name != "?", !names.contains(name) else { continue }
            names.append(name)
        }
        if names.isEmpty { names.append(askedHost) }
        return (RedisNode(id: id, host: names[0], port: Int(chosenPort), usesTLS: usesTLS), names)
    }

    /// The slots from `start` to `end`, both included, checked to be slots.
    private static func slotRange(_ start: RESPValue, _ end: RESPValue, _ source: String) throws(RedisError)
        -> ClosedRange<Int>
    {
        guard let first = start.int, let last = end.int, 0 <= first, first <= last, last < Int64(HashSlot.count)
        else {
            let from = start.int.map { String($0) } ?? Self.shortened(start)
            let to = end.int.map { String($0) } ?? Self.shortened(end)
            throw .protocolError("\(source) named slots \(from)-\(to), not a range within 0-16383")
        }
        return Int(first)...Int(last)
    }

    /// A map's fields by name: a RESP3 map, or the flat `[name, value, name, value…]` array of RESP2.
    static func fields(_ value: RESPValue, _ what: String) throws(RedisError) -> [String: RESPValue] {
        var fields: [String: RESPValue] = [:]
        switch value {
        case .map(let map):
            for (name, item) in map {
                if let name = name.string { fields[name] = item }
            }
        case .array(let items):
            guard items.count % 2 == 0 else {
                throw .protocolError("\(what) is a list of \(items.count) items, not of name/value pairs")
            }
            for index in stride(from: 0, to: items.count, by: 2) {
                if let name = items[index].string { fields[name] = items[index + 1] }
            }
        default:
            throw .protocolError("\(what) is \(Self.shortened(value)), not a map")
        }
        return fields
    }

    /// A value as text for an error message, cut at 200 characters.
    static func shortened(_ value: RESPValue) -> String {
        let text = "\(value)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
