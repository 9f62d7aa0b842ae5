extension RedisKeys {
    /// `{name}:instances`: the ids of the instances that sent heartbeats lately, scored by when the
    /// last one came (Redis's time, ms). Under the store-wide hash tag, with the hashes below, so the
    /// heartbeat script touches one cluster slot.
    var instances: String { "{\(name)}:instances" }

    /// `{name}:instance:<id>`: the last heartbeat of one instance (`info`, its report as JSON;
    /// `seen`, when it came; `ttl`, how long it counts as alive, ms).
    func instance(_ id: String) -> String { "{\(name)}:instance:\(id)" }
}
