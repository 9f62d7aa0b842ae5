/// Which primary serves each of a cluster's 16,384 slots, as a node answered `CLUSTER SHARDS`
/// (or `CLUSTER SLOTS` on servers before Redis 7).
///
/// Invariants: `owners` has ``HashSlot/count`` entries, each an index into ``nodes`` or
/// ``unassigned``; ``nodes`` is never empty; `aliases` maps every address a node is known by
/// (hostname, endpoint, IP) to its index.
///
/// ```swift
/// let map = try ClusterSlotMap(shards: try await connection.execute(RESPCommand("CLUSTER", "SHARDS")),
///                              usesTLS: false, askedHost: "10.0.0.7")
/// map.node(forSlot: HashSlot.slot(of: "api:{u:42}#m"))     // the primary of slot 8980
/// ```
public struct ClusterSlotMap: Sendable, Equatable {
    /// The owner of a slot no online primary serves.
    static let unassigned = UInt16.max

    /// The primaries that are online, in the order the server listed them.
    public private(set) var nodes: [RedisNode]
    /// Slot → index into `nodes`, or ``unassigned``.
    private(set) var owners: [UInt16]
    /// Every address a node is known by → its index in `nodes`.
    private(set) var aliases: [RedisNode.Address: Int]

    /// A map from parts already checked: `owners` of ``HashSlot/count`` indices into `nodes`.
    init(nodes: [RedisNode], owners: [UInt16], aliases: [RedisNode.Address: Int]) throws(RedisError) {
        guard !nodes.isEmpty else { throw .protocolError("the cluster named no primary that is online") }
        guard owners.count == HashSlot.count, nodes.count < Int(Self.unassigned) else {
            throw .protocolError("a cluster map of \(owners.count) slots and \(nodes.count) nodes")
        }
        self.nodes = nodes
        self.owners = owners
        self.aliases = aliases
    }

    /// The primary serving `slot`, or `nil` when no online primary does.
    public func node(forSlot slot: Int) -> RedisNode? {
        guard (0..<HashSlot.count).contains(slot) else { return nil }
        let owner = owners[slot]
        return owner == Self.unassigned ? nil : nodes[Int(owner)]
    }

    /// How many slots `node` serves.
    public func slotCount(of node: RedisNode) -> Int {
        guard let index = nodes.firstIndex(of: node) else { return 0 }
        let owner = UInt16(index)
        var count = 0
        for slotOwner in owners where slotOwner == owner { count += 1 }
        return count
    }

    /// Where to send a command of `slot`: its primary; for no slot, or a slot no primary serves,
    /// the first primary (which answers `MOVED` or `CLUSTERDOWN` if it cannot serve it).
    func address(forSlot slot: Int?) -> RedisNode.Address {
        guard let slot, let owner = node(forSlot: slot) else { return nodes[0].address }
        return owner.address
    }

    /// The node known by `address`, if any.
    func node(at address: RedisNode.Address) -> RedisNode? {
        aliases[address].map { nodes[$0] }
    }

    /// Records what a `MOVED` said: `slot` is served at `address` now. A node not in the map
    /// yet is added, with an unknown id.
    mutating func assign(slot: Int, to address: RedisNode.Address, usesTLS: Bool) {
        guard (0..<HashSlot.count).contains(slot) else { return }
        let index: Int
        if let known = aliases[address] {
            index = known
        } else {
            guard nodes.count < Int(Self.unassigned) - 1 else { return }
            index = nodes.count
            nodes.append(RedisNode(id: "", host: address.host, port: address.port, usesTLS: usesTLS))
            aliases[address] = index
        }
        owners[slot] = UInt16(index)
    }
}
