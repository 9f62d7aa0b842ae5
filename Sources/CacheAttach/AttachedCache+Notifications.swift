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
        var enabled = false
        while !Task.isCancelled {
            do {
                let urls = try await primaryURLs()
                var flags: String?
                var note: String?
                for nodeURL in urls {
                    (flags, note) = try await notificationFlags(at: nodeURL, enable: configuration.enableNotifications && !enabled)
                }
                enabled = true
                let hears = flags.map { $0.contains("E") && $0.count > 1 } ?? (note != nil)
                state.withLockedValue { state in
                    state.status.notifications = hears ? flags ?? note : nil
                    state.hearsMisses = hears && (flags?.contains("m") ?? false)
                }
                guard hears else {
                    // Off on the server: look again in a while, someone may turn them on.
                    try await Task.sleep(for: .seconds(10))
                    continue
                }
                try await listen(to: urls)
                delay = .milliseconds(200)
            } catch is CancellationError {
                return
            } catch {
                failed(error, doing: "keyspace notifications")
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The server's `notify-keyspace-events`, after adding ``wantedNotifications`` if `enable`;
    /// when `CONFIG` is refused (an ACL user without it), no flags and a note saying so.
    func notificationFlags(at nodeURL: RedisURL, enable: Bool) async throws -> (String?, String?) {
        let connection = try await nodes.connection(to: nodeURL)
        let answer = try await connection.execute(RESPCommand("CONFIG", "GET", "notify-keyspace-events"))
        guard case .array(let parts) = answer, parts.count == 2, var flags = parts[1].string else {
            return (nil, "unknown: CONFIG GET was refused (\(answer.errorMessage ?? "no answer"))")
        }
        if enable {
            let missing = Self.wantedNotifications.filter { !flags.contains($0) && !(flags.contains("A") && "g$xe".contains($0)) }
            if !missing.isEmpty {
                flags += missing
                let set = try await connection.execute(RESPCommand("CONFIG", "SET", "notify-keyspace-events", flags))
                if let refusal = set.errorMessage {
                    throw RedisError.server("cannot turn on keyspace notifications: \(refusal)")
                }
            }
        }
        return (flags, nil)
    }

    /// Subscribes to every primary's keyevent channels and applies what arrived every 100 ms,
    /// until a connection closes.
    func listen(to urls: [RedisURL]) async throws {
        let arrived = NIOLockedValueBox<[(event: String, key: String)]>([])
        var options = configuration.connection
        options.clientName = "\(configuration.instance)-attach-events"
        options.commandTimeout = .seconds(5)
        options.onPush = { parts in
            guard parts.count == 4, parts[0].string == "pmessage", let channel = parts[2].string,
                let key = parts[3].string, let colon = channel.lastIndex(of: ":")
            else { return }
            let event = String(channel[channel.index(after: colon)...])
            arrived.withLockedValue { $0.append((event, key)) }
        }
        var connections: [RedisConnection] = []
        defer {
            let opened = connections
            Task { for connection in opened { await connection.close() } }
        }
        for nodeURL in urls {
            let connection = try await RedisConnection.connect(to: nodeURL, options: options)
            connections.append(connection)
            let answer = try await connection.execute(
                RESPCommand("PSUBSCRIBE", "__keyevent@\(nodeURL.database)__:*"))
            if let refusal = answer.errorMessage { throw RedisError.server("PSUBSCRIBE: \(refusal)") }
        }
        while connections.allSatisfy(\.isActive) {
            try await Task.sleep(for: .milliseconds(100))
            let batch = arrived.withLockedValue { arrived in
                defer { arrived.removeAll(keepingCapacity: true) }
                return arrived
            }
            if !batch.isEmpty { try await apply(batch) }
        }
        throw RedisError.connectionClosed("the notifications' connection closed")
    }

    /// Applies keyspace events: keys written or given a new time to live are looked up (`PTTL`,
    /// `MEMORY USAGE`); removed ones are forgotten and counted as their event says.
    func apply(_ batch: [(event: String, key: String)]) async throws {
        var lookups: [(key: String, user: String, stored: Bool)] = []
        let now = Date()
        state.withLockedValue { state in
            var removed: [Int: (expired: Int, evicted: Int, deleted: Int)] = [:]
            for (event, key) in batch {
                guard let match = pattern.match(key) else { continue }
                switch event {
                case "set", "expire", "persist", "rename_to", "restore", "copy_to", "setrange", "append", "incrby",
                    "incrbyfloat":
                    lookups.append((key, match.user, event == "set"))
                case "expired", "evicted", "del", "rename_from":
                    guard let entry = state.index.remove(AttachIndex.hash(key)) else { continue }
                    var counts = removed[Int(entry.user)] ?? (0, 0, 0)
                    if event == "expired" {
                        counts.expired += 1
                    } else if event == "evicted" {
                        counts.evicted += 1
                    } else {
                        counts.deleted += 1
                    }
                    removed[Int(entry.user)] = counts
                case "keymiss":
                    state.index.count(.misses, of: state.index.id(of: match.user))
                default:
                    continue
                }
            }
            for (id, counts) in removed.sorted(by: { $0.key < $1.key }) {
                var gone: [(user: UInt32, count: Int, expired: Bool)] = []
                if counts.expired > 0 { gone.append((UInt32(id), counts.expired, true)) }
                if counts.deleted > 0 { gone.append((UInt32(id), counts.deleted, false)) }
                Self.recordGone(gone, heardLate: false, in: &state, now: now)
                if counts.evicted > 0 {
                    let user = state.index.users[id]
                    state.index.count(.evictions, of: UInt32(id), by: UInt64(counts.evicted))
                    let prefix = PrefixFormat.prefix(namespace: state.namespace, user: user)
                    Self.record(
                        {
                            CacheEvent(
                                seq: $0, time: now, kind: .evicted, prefix: prefix, user: user, count: counts.evicted)
                        }, in: &state)
                }
            }
        }
        guard !lookups.isEmpty else { return }
        var commands: [(key: String?, command: RESPCommand)] = []
        for lookup in lookups {
            commands.append((lookup.key, RESPCommand("PTTL", lookup.key)))
            commands.append((lookup.key, RESPCommand("MEMORY", "USAGE", lookup.key, "SAMPLES", "0")))
        }
        let answers = try await client.pipeline(commands)
        state.withLockedValue { state in
            for (offset, lookup) in lookups.enumerated() {
                let ttl = answers[2 * offset].int
                Self.countOwn(pttl: [ttl], in: &state)
                guard let ttl, ttl != -2 else { continue }
                let bytes = answers[2 * offset + 1].int.map(Int.init)
                let hash = AttachIndex.hash(lookup.key)
                state.index.observe(
                    hash, user: lookup.user, bytes: bytes, ttlMilliseconds: ttl, pass: state.pass, now: now)
                guard lookup.stored, let id = state.index.existingID(of: lookup.user) else { continue }
                state.index.count(.sets, of: id)
                let prefix = PrefixFormat.prefix(namespace: state.namespace, user: lookup.user)
                let user = lookup.user
                let key = lookup.key
                Self.record(
                    { CacheEvent(seq: $0, time: now, kind: .stored, prefix: prefix, user: user, key: key) },
                    in: &state)
            }
        }
    }
}
