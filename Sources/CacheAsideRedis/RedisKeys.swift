import CacheAside
import Foundation
import RESP

/// Where a ``RedisStore`` keeps things: key layout 3, made for Redis Cluster and near caches.
///
/// Prefixes fall into ``partitionCount`` fixed partitions: 32 on a cluster unless configured
/// otherwise, one on a standalone Redis (see ``init(name:cluster:partitions:)``). On a cluster, a
/// prefix's partition is the cluster slot of its own hash tag (`{u:42}` of `api:{u:42}`) divided
/// by the slots per partition (512 with 32 partitions), and every key of the prefix starts with
/// its partition's tag, the shortest `[0-9a-z]` text whose slot is the partition's first (`{265}`
/// for partition 17, slot 8704). So a prefix's keys and its partition's keys share one slot, and
/// every script stays in one slot whatever it touches.
///
/// Per prefix `P` in partition `p` with tag `t`, six keys: `{t}P#m` (generation, epoch, gauges and
/// counters), `{t}P#v` (values), `{t}P#x` (deadlines: the sweeper's index), `{t}P#a` (store times),
/// `{t}P#h` (hits per entry), `{t}P#k` (routes in name order: the keys page's index) and `{t}P#r`
/// (each entry's route template); and its
/// timeline, `{t}P#e` (its latest events, kept apart from the others: a purge does not remove it).
///
/// Per partition, under `{t}#<name>:`: `due` (each prefix's next deadline, for the sweeper),
/// `by:user` (every prefix, as `<user>\0<prefix>` with score 0: the list of prefixes and the user
/// order), the statistics indexes `by:hits`, `by:misses`, `by:ratio`, `by:keys`, `by:bytes`,
/// `by:purge`, `by:soon` (prefix → minus the value, so the natural order is the largest first),
/// `totals` (every counter, keys, bytes and entries expiring soon of the partition, including
/// forgotten prefixes), `part` (the partition's epoch, the run id of the Redis that set it, and
/// `seq`, its purge count) and `soon` (prefix → its next deadline not yet counted as expiring
/// soon, for the sweeper to count it when it comes within the horizon).
///
/// Store-wide and written only a few times a second, under `{<name>}`: `events` and `seq` (the
/// shared event ring), `info` (creation time, errors outside any prefix) and `layout` (the layout
/// this store was written with, so an instance of another layout refuses it).
struct RedisKeys: Sendable {
    let name: String
    /// How many partitions: part of the layout (instances with different counts would miss each
    /// other's purges), never a setting.
    let partitionCount: Int
    /// Each partition's hash tag with its braces (`{05c}`), made once.
    let tags: [String]

    /// The most partitions a store can have.
    static let maximumPartitions = 1024

    /// The layout of a store called `name`: `partitions` (a power of two up to 1,024) on a
    /// cluster, so its data and its writes spread over up to that many primaries; one on a single
    /// Redis, where the statistics indexes are then one sorted set each, so a page, a rank or the
    /// totals are one lookup in one index (O(log N)) rather than one per partition.
    init(name: String, cluster: Bool, partitions: Int = 32) {
        self.name = name
        let count = cluster ? partitions : 1
        let shift = HashSlot.count.trailingZeroBitCount - count.trailingZeroBitCount
        partitionCount = count
        self.shift = shift
        tags = (0..<count).map { "{" + HashSlot.tag(forSlot: $0 << shift) + "}" }
        self.partitions = tags.map { tag in
            let head = tag + "#" + name + ":"
            return Partition(
                due: head + "due", byUser: head + "by:user", byHits: head + "by:hits", byMisses: head + "by:misses",
                byRatio: head + "by:ratio", byKeys: head + "by:keys", byBytes: head + "by:bytes",
                byPurge: head + "by:purge", totals: head + "totals", part: head + "part", bySoon: head + "by:soon",
                soon: head + "soon")
        }
    }

    /// Each partition's keys, made once: every statistics query names them all.
    private let partitions: [Partition]

    /// How far a slot is shifted right to give its partition (9 with 32 partitions).
    private let shift: Int

    /// The layout written to `{name}:layout`: format and partition count.
    var layout: String { "3 \(partitionCount)" }

    var events: String { "{\(name)}:events" }
    var seq: String { "{\(name)}:seq" }
    var info: String { "{\(name)}:info" }
    var layoutKey: String { "{\(name)}:layout" }
    /// Keys of layout 1, read only to refuse a store still written by instances of that layout.
    var formerEpoch: String { "{\(name)}:epoch" }
    var formerPrefixes: String { "{\(name)}:prefixes" }

    /// Every store-wide key: each gets a Redis expiry, renewed by every flush and sweep, so the keys
    /// of a cache no instance uses any more go by themselves.
    var storeWide: [String] { [info, layoutKey, events, seq, routeCounters] }

    /// The partition of a prefix: the slot of its hash tag, divided by the slots per partition
    /// (512 with 32 partitions).
    func partition(of prefix: String) -> Int {
        HashSlot.slot(of: prefix) >> shift
    }

    /// The hash tag of `partition`, with its braces.
    func tag(_ partition: Int) -> String { tags[partition] }

    /// The keys of one partition, in the order the scripts take them after a prefix's six.
    struct Partition: Sendable {
        let due: String
        let byUser: String
        let byHits: String
        let byMisses: String
        let byRatio: String
        let byKeys: String
        let byBytes: String
        let byPurge: String
        let totals: String
        let part: String
        let bySoon: String
        let soon: String

        /// `due by:user by:hits by:misses by:ratio by:keys by:bytes by:purge totals part by:soon soon`.
        var all: [String] {
            [due, byUser, byHits, byMisses, byRatio, byKeys, byBytes, byPurge, totals, part, bySoon, soon]
        }
    }

    /// The keys of `partition`: `{t}#<name>:due` and so on.
    func partitionKeys(_ partition: Int) -> Partition { partitions[partition] }

    /// The six keys of a prefix, `m v x a h k`, in the order the scripts take them.
    func prefixKeys(_ prefix: String) -> [String] {
        let tagged = tag(partition(of: prefix)) + prefix
        return [tagged + "#m", tagged + "#v", tagged + "#x", tagged + "#a", tagged + "#h", tagged + "#k"]
    }

    /// What every prefix script takes: the prefix's six keys, its partition's twelve, and its
    /// signal key (see ``RedisScripts``).
    func scriptKeys(_ prefix: String) -> [String] {
        let partition = partition(of: prefix)
        return prefixKeys(prefix) + partitionKeys(partition).all + [
            signal(prefix), tag(partition) + prefix + "#r", routes(partition),
        ]
    }

    /// The entries held per route template in `partition`: fields `<template>\0k` (keys) and
    /// `<template>\0y` (bytes), kept by the prefix scripts.
    func routes(_ partition: Int) -> String { tag(partition) + "#" + name + ":routes" }

    /// The route templates' counters of the whole store (hits, misses, computations and their
    /// time, verifications), added to by each instance's flush: `<template>\0<field>`.
    var routeCounters: String { "{\(name)}:routes" }

    /// What every signal key starts with: the prefix instances track (`CLIENT TRACKING ON BCAST
    /// PREFIX`) to hear of purges.
    var signalHead: String { "#" + name + ":i:" }

    /// The signal key of a prefix, `#<name>:i:{t}P`: it never holds data; a purge, a reset or a
    /// store that replaces an entry writes and unlinks it in the same step, so Redis tells every
    /// instance that tracks the signal head. Its first hash tag is the partition's, so it shares
    /// the prefix's slot.
    func signal(_ prefix: String) -> String { signalHead + tag(partition(of: prefix)) + prefix }

    /// The prefix a signal key names; `nil` for another key.
    func prefix(ofSignal key: String) -> String? {
        guard key.hasPrefix(signalHead) else { return nil }
        let rest = key.utf8.dropFirst(signalHead.utf8.count)
        guard rest.first == UInt8(ascii: "{"), let close = rest.firstIndex(of: UInt8(ascii: "}")) else { return nil }
        return String(key[key.utf8.index(after: close)...])
    }

    func meta(_ prefix: String) -> String { tag(partition(of: prefix)) + prefix + "#m" }
    func deadlines(_ prefix: String) -> String { tag(partition(of: prefix)) + prefix + "#x" }
    /// The prefix's timeline: its latest events, oldest first, outside the twenty-one script keys
    /// (a purge keeps it).
    func timeline(_ prefix: String) -> String { tag(partition(of: prefix)) + prefix + "#e" }

    /// The member of `by:user` for a prefix: the user (empty for the public prefix), a zero byte,
    /// the prefix. Users sort first, prefixes break ties.
    static func userMember(_ prefix: String) -> String {
        (parse(prefix)?.user ?? "") + "\u{0}" + prefix
    }

    /// The prefix of a `by:user` member: what follows its last zero byte (a prefix has none).
    static func prefix(ofUserMember member: String) -> String {
        guard let zero = member.utf8.lastIndex(of: 0) else { return member }
        return String(member[member.utf8.index(after: zero)...])
    }

    /// A prefix as stored, read back; `nil` for a member that is not one.
    static func parse(_ prefix: String) -> CachePrefix? {
        guard let parsed = try? PrefixFormat.parse(prefix) else { return nil }
        return CachePrefix(namespace: parsed.namespace, user: parsed.user)
    }
}
