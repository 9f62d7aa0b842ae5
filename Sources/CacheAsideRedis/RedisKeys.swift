import CacheAside
import Foundation

/// Where a ``RedisStore`` keeps things.
///
/// Per prefix `P` (for example `api:{u:42}`), six keys that share `P`'s hash tag and so one
/// Redis Cluster slot: `P#m` (generation, epoch, gauges and counters), `P#v` (values), `P#x`
/// (deadlines: the index the sweeper uses), `P#a` (store times), `P#h` (hits per entry) and `P#k`
/// (routes in name order: the keys page's index). Entries are fields of these keys, so a purge
/// unlinks six keys whatever the prefix holds.
///
/// Store-wide, under the hash tag `{<name>}`: `{name}:prefixes` (every prefix seen), `{name}:due`
/// (each prefix's next deadline, for the sweeper), `{name}:events` and `{name}:seq` (the shared
/// event ring), `{name}:info` (creation time, errors outside any prefix, counters of forgotten
/// prefixes), `{name}:epoch` and `{name}:server` (the store epoch and the run id of the Redis
/// process that set it).
struct RedisKeys: Sendable {
    let name: String

    var prefixes: String { "{\(name)}:prefixes" }
    var due: String { "{\(name)}:due" }
    var events: String { "{\(name)}:events" }
    var seq: String { "{\(name)}:seq" }
    var info: String { "{\(name)}:info" }
    var epoch: String { "{\(name)}:epoch" }
    var server: String { "{\(name)}:server" }

    /// Every store-wide key: each gets a Redis expiry, renewed by every flush and sweep, so the keys of a
    /// cache no instance uses any more go by themselves.
    var storeWide: [String] { [prefixes, due, events, seq, info, epoch, server] }

    /// The six keys of a prefix, `m v x a h k`, in the order the scripts take them.
    static func prefixKeys(_ prefix: String) -> [String] {
        [meta(prefix), values(prefix), deadlines(prefix), prefix + "#a", hits(prefix), prefix + "#k"]
    }

    static func meta(_ prefix: String) -> String { prefix + "#m" }
    static func deadlines(_ prefix: String) -> String { prefix + "#x" }
    static func values(_ prefix: String) -> String { prefix + "#v" }
    static func hits(_ prefix: String) -> String { prefix + "#h" }

    /// A prefix as stored, read back; `nil` for a member that is not one.
    static func parse(_ prefix: String) -> CachePrefix? {
        guard let parsed = try? PrefixFormat.parse(prefix) else { return nil }
        return CachePrefix(namespace: parsed.namespace, user: parsed.user)
    }
}
