/// What a cluster node's error answer asks the client to do, when it asks anything.
///
/// ```
/// MOVED 8980 10.0.0.7:6379     → .moved(slot: 8980, to: 10.0.0.7:6379): the slot lives there now
/// ASK 8980 10.0.0.8:6379       → .ask(slot: 8980, to: 10.0.0.8:6379): this key, once, with ASKING
/// TRYAGAIN Multiple keys …     → .tryAgain   (also CLUSTERDOWN, MASTERDOWN, LOADING)
/// ```
enum ClusterReply: Equatable, Sendable {
    /// The slot is served by another node now.
    case moved(slot: Int, to: RedisNode.Address)
    /// The slot is being migrated and this key is on (or goes to) the importing node: send it
    /// there once, after `ASKING`.
    case ask(slot: Int, to: RedisNode.Address)
    /// The node cannot serve the command now: a multi-key command during a migration
    /// (`TRYAGAIN`), slots not served (`CLUSTERDOWN`), a replica without its primary
    /// (`MASTERDOWN`), a restart still loading (`LOADING`). Worth a retry after a pause.
    case tryAgain

    /// Reads an error answer; `nil` for any other error, which is the command's own answer.
    ///
    /// - Parameter askedHost: the host that answered, for a redirection with an empty host.
    init?(errorMessage message: String, askedHost: String) {
        if message.hasPrefix("MOVED ") || message.hasPrefix("ASK ") {
            let parts = message.split(separator: " ")
            guard parts.count == 3, let slot = Int(parts[1]), (0..<HashSlot.count).contains(slot),
                let address = RedisNode.Address(parts[2], defaultHost: askedHost)
            else { return nil }
            self = message.hasPrefix("MOVED ") ? .moved(slot: slot, to: address) : .ask(slot: slot, to: address)
            return
        }
        for prefix in ["TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "LOADING"] where message.hasPrefix(prefix) {
            self = .tryAgain
            return
        }
        return nil
    }
}
