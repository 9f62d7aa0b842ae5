import CacheAdminAPI
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension AttachedCache {
    /// The keyspace event classes attach asks for with `--enable-notifications`: keyevent
    /// channels (`E`), generic commands (`g`: del, expire, rename), strings (`$`: set), expired
    /// (`x`), evicted (`e`) and key misses (`m`, Redis 6 and later).
    static let wantedNotifications = "Eg$xem"

    /// Listens to keyspace notifications while the server sends them, from every primary.
    func listenForever() async {
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                let urls = try await primaryURLs()
                // Each primary's flags, turned on again if asked and missing (a restarted or new
                // primary has lost them: `CONFIG SET` is not saved).
                var heard: [String] = []
                var unknown: String?
                var hearsAll = true
                for nodeURL in urls {
                    let (flags, note) = try await notificationFlags(
                        at: nodeURL, enable: configuration.enableNotifications)
                    if let flags {
                        heard.append(flags)
                        hearsAll = hearsAll && flags.contains("E") && flags.count > 1
                    } else {
                        unknown = note
                    }
                }
                // Without CONFIG GET the flags are unknown: subscribe anyway, and say so.
                let shown = unknown ?? heard.first
                let hearsMisses = unknown == nil && heard.allSatisfy { $0.contains("m") }
                guard hearsAll else {
                    state.withLockedValue { state in
                        state.status.notifications = nil
                        state.hearsMisses = false
                    }
                    // Off on the server: look again in a while, someone may turn them on.
                    try await Task.sleep(for: .seconds(10))
                    continue
                }
                // Said once every primary is subscribed to, not before: what is written after it
                // is heard.
                try await listen(to: urls) {
                    self.state.withLockedValue { state in
                        state.status.notifications = shown
                        state.hearsMisses = hearsMisses
                    }
                }
                delay = .milliseconds(200)
            } catch {
                if Task.isCancelled { return }
                failed(error, doing: "keyspace notifications")
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The server's `notify-keyspace-events`, after adding ``wantedNotifications`` if `enable`;
    /// when `CONFIG GET` is refused (an ACL user without it), no flags and a note saying so.
    func notificationFlags(at nodeURL: RedisURL, enable: Bool) async throws -> (String?, String?) {
        let connection = try await nodes.connection(to: nodeURL)
        let answer = try await connection.send(RESPCommand("CONFIG", "GET", "notify-keyspace-events"))
        guard case .array(let parts) = answer, parts.count == 2, var flags = parts[1].string else {
            return (nil, "unknown (CONFIG GET refused: \(answer.errorMessage ?? "no answer"))")
        }
        if enable {
            let missing = Self.wantedNotifications.filter { flag in
                !flags.contains(flag) && !(flags.contains("A") && "g$xe".contains(flag))
            }
            if !missing.isEmpty {
                flags += missing
                let set = try await connection.send(RESPCommand("CONFIG", "SET", "notify-keyspace-events", flags))
                if let refusal = set.errorMessage {
                    throw RedisError.server("cannot turn on keyspace notifications: \(refusal)")
                }
            }
        }
        return (flags, nil)
    }

    /// Subscribes to every primary's keyevent channels and applies what arrived every 100 ms,
    /// until a connection closes.
    func listen(to urls: [RedisURL], subscribed: () -> Void) async throws {
        let arrived = NIOLockedValueBox<[(event: String, key: String)]>([])
        var options = configuration.connection
        options.clientName = "\(configuration.instance)-attach-events"
        options.commandTimeout = .seconds(5)
        options.onPush = { parts in
            guard parts.count == 4, parts[0].string == "pmessage", let channel = parts[2].string,
                let key = Self.keyName(parts[3]), let colon = channel.lastIndex(of: ":")
            else { return }
            let event = String(channel[channel.index(after: colon)...])
            arrived.withLockedValue { $0.append((event, key)) }
        }
        var connections: [RedisConnection] = []
        do {
            for nodeURL in urls {
                let connection = try await RedisConnection.connect(to: nodeURL, options: options)
                connections.append(connection)
                let answer = try await connection.execute(
                    RESPCommand("PSUBSCRIBE", "__keyevent@\(nodeURL.database)__:*"))
                if let refusal = answer.errorMessage { throw RedisError.server("PSUBSCRIBE: \(refusal)") }
            }
            subscribed()
            var checked = ContinuousClock.now
            while connections.allSatisfy(\.isActive) {
                try await Task.sleep(for: .milliseconds(100))
                let batch = arrived.withLockedValue { arrived in
                    defer { arrived.removeAll(keepingCapacity: true) }
                    return arrived
                }
                if !batch.isEmpty { try await apply(batch) }
                // A new primary (a failover, a reshard) is subscribed to by starting over.
                if ContinuousClock.now - checked > .seconds(5) {
                    checked = ContinuousClock.now
                    if try await primaryURLs().map(\.description) != urls.map(\.description) { break }
                }
            }
        } catch {
            state.withLockedValue { $0.status.notifications = nil }
            for connection in connections { await connection.close() }
            throw error
        }
        state.withLockedValue { $0.status.notifications = nil }
        for connection in connections { await connection.close() }
        throw RedisError.connectionClosed("the notifications' connection closed, or the primaries changed")
    }

    /// Applies keyspace events in their order: a write is counted and recorded at once, then its
    /// time to live and size are looked up (`PTTL`, `MEMORY USAGE`); removed keys are forgotten and
    /// counted as their event says, one event per user and kind for a run of them.
    func apply(_ batch: [(event: String, key: String)]) async throws {
        var lookups: [(key: String, user: String)] = []
        let now = Date()
        state.withLockedValue { state in
            var removed: [UInt32: (expired: Int, evicted: Int, deleted: Int)] = [:]
            var looked: Set<UInt64> = []
            func flush(_ id: UInt32) {
                guard let counts = removed.removeValue(forKey: id) else { return }
                Self.recordRemoved(id, counts, in: &state, now: now)
            }
            for (event, key) in batch {
                guard let match = pattern.match(key) else { continue }
                let hash = AttachIndex.hash(key)
                switch event {
                case "set", "expire", "persist", "rename_to", "restore", "copy_to", "setrange", "append", "incrby",
                    "incrbyfloat":
                    // `SET … EX` says set and expire: one lookup.
                    if looked.insert(hash).inserted { lookups.append((key, match.user)) }
                    guard event == "set" else { continue }
                    let id = state.index.id(of: match.user)
                    flush(id)
                    state.index.observe(
                        hash, user: match.user, bytes: nil, ttlMilliseconds: nil, pass: state.pass, now: now)
                    state.index.count(.sets, of: id)
                    let prefix = PrefixFormat.prefix(namespace: state.namespace, user: match.user)
                    Self.record(
                        { CacheEvent(seq: $0, time: now, kind: .stored, prefix: prefix, user: match.user, key: key) },
                        in: &state)
                case "expired", "evicted", "del", "rename_from":
                    guard let entry = state.index.remove(hash) else { continue }
                    var counts = removed[entry.user] ?? (0, 0, 0)
                    if event == "expired" {
                        counts.expired += 1
                    } else if event == "evicted" {
                        counts.evicted += 1
                    } else {
                        counts.deleted += 1
                    }
                    removed[entry.user] = counts
                case "keymiss":
                    // A miss of attach's own PTTL is not the application's.
                    if let own = state.ownMisses[hash] {
                        state.ownMisses[hash] = own > 1 ? own - 1 : nil
                        continue
                    }
                    state.index.count(.misses, of: state.index.id(of: match.user))
                default:
                    continue
                }
            }
            for id in removed.keys.sorted() { flush(id) }
        }
        guard !lookups.isEmpty else { return }
        var commands: [(key: String?, command: RESPCommand)] = []
        for lookup in lookups {
            commands.append((lookup.key, RESPCommand("PTTL", lookup.key)))
            commands.append((lookup.key, RESPCommand("MEMORY", "USAGE", lookup.key, "SAMPLES", "0")))
        }
        expectOwn(lookups.count)
        let answers = try await client.pipeline(commands)
        state.withLockedValue { state in
            for (offset, lookup) in lookups.enumerated() {
                let ttl = answers[2 * offset].int
                let hash = AttachIndex.hash(lookup.key)
                Self.countOwn(pttl: [(hash, ttl)], in: &state)
                // Gone since (-2): its own event removes it, or the next scan does.
                guard let ttl, ttl != -2 else { continue }
                // Removed by an event after the write: not brought back.
                guard state.index.entries[hash] != nil else { continue }
                let bytes = answers[2 * offset + 1].int.map(Int.init)
                state.index.observe(
                    hash, user: lookup.user, bytes: bytes, ttlMilliseconds: ttl, pass: state.pass, now: now)
            }
        }
    }

    /// Counts and records keys of one user removed by events: expired, evicted, or deleted from
    /// outside (the application's own purge, say).
    static func recordRemoved(
        _ id: UInt32, _ counts: (expired: Int, evicted: Int, deleted: Int), in state: inout State, now: Date
    ) {
        var gone: [(user: UInt32, count: Int, expired: Bool)] = []
        if counts.expired > 0 { gone.append((id, counts.expired, true)) }
        if counts.deleted > 0 { gone.append((id, counts.deleted, false)) }
        recordGone(gone, heardLate: false, in: &state, now: now)
        guard counts.evicted > 0 else { return }
        let user = state.index.users[Int(id)]
        state.index.count(.evictions, of: id, by: UInt64(counts.evicted))
        let prefix = PrefixFormat.prefix(namespace: state.namespace, user: user)
        record(
            { CacheEvent(seq: $0, time: now, kind: .evicted, prefix: prefix, user: user, count: counts.evicted) },
            in: &state)
    }
}
