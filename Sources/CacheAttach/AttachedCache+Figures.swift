import CacheAdminAPI
import Foundation
import NIOConcurrencyHelpers
import RESP

extension AttachedCache {
    /// Every second: the server's hits and misses (`INFO stats`, summed over the primaries) and the
    /// keys whose time to live ran out since.
    func pollForever() async {
        while !Task.isCancelled {
            do {
                let urls = try await primaryURLs()
                var hits: UInt64 = 0
                var misses: UInt64 = 0
                for nodeURL in urls {
                    let connection = try await nodes.connection(to: nodeURL)
                    let info = try await connection.execute(RESPCommand("INFO", "stats")).string ?? ""
                    hits += Self.infoField("keyspace_hits", in: info) ?? 0
                    misses += Self.infoField("keyspace_misses", in: info) ?? 0
                }
                state.withLockedValue { state in
                    // A restarted server counts from 0 again: so do we.
                    if let base = state.redisBaseline, hits >= base.hits, misses >= base.misses {
                        state.redisNow = (hits, misses)
                    } else {
                        state.redisBaseline = (hits, misses)
                        state.redisNow = (hits, misses)
                        state.own = (0, 0)
                        state.reported = (0, 0)
                    }
                    state.ownAtPoll = state.own
                }
            } catch {
                if Task.isCancelled { return }
                failed(error, doing: "INFO stats")
            }
            let now = Date()
            state.withLockedValue { state in
                let gone = state.index.sweepExpired(now: now)
                Self.recordGone(gone, heardLate: false, in: &state, now: now)
            }
            do {
                try await Task.sleep(for: .seconds(1))
            } catch {
                return
            }
        }
    }

    /// The number after `name:` on its own line of an `INFO` answer.
    static func infoField(_ name: String, in info: String) -> UInt64? {
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(name + ":") {
            return UInt64(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Every `interval`, watches the reads for `duration` with `MONITOR` on each primary and adds
    /// estimated hits (and misses, unless key-miss notifications count them exactly) per user,
    /// scaled by `interval / duration`.
    ///
    /// `MONITOR` costs the server while it runs (every command is copied to it), hence the short
    /// samples; the figures are labelled as estimates wherever they are shown.
    func sampleForever(duration: Duration, interval: Duration) async {
        let scale = interval / duration
        state.withLockedValue { state in
            state.status.estimates.append(
                "hits per user: estimated from \(Self.seconds(duration)) of MONITOR every \(Self.seconds(interval)), "
                    + "× \(Self.number(scale)); unmarked otherwise")
        }
        while !Task.isCancelled {
            do {
                let reads = try await sampleReads(for: duration)
                state.withLockedValue { state in
                    for (user, counts) in reads {
                        let id = state.index.id(of: user)
                        state.index.count(.hits, of: id, by: UInt64((Double(counts.hits) * scale).rounded()))
                        if !state.hearsMisses {
                            state.index.count(.misses, of: id, by: UInt64((Double(counts.misses) * scale).rounded()))
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failed(error, doing: "sampling reads with MONITOR")
            }
            do {
                try await Task.sleep(for: interval - duration)
            } catch {
                return
            }
        }
    }

    /// The reads of users' keys seen by `MONITOR` on every primary within `duration`: a read of a
    /// key the index holds is a hit, of one it does not, a miss.
    func sampleReads(for duration: Duration) async throws -> [String: (hits: Int, misses: Int)] {
        let lines = NIOLockedValueBox<[String]>([])
        var options = configuration.connection
        options.clientName = "\(configuration.instance)-attach-sample"
        options.onPush = { parts in
            guard let line = parts.first?.string else { return }
            lines.withLockedValue { $0.append(line) }
        }
        var connections: [RedisConnection] = []
        do {
            for nodeURL in try await primaryURLs() {
                let connection = try await RedisConnection.connect(to: nodeURL, options: options)
                connections.append(connection)
                let answer = try await connection.execute(RESPCommand("MONITOR"))
                if let refusal = answer.errorMessage { throw RedisError.server("MONITOR: \(refusal)") }
            }
            try await Task.sleep(for: duration)
        } catch {
            for connection in connections { await connection.close() }
            throw error
        }
        for connection in connections { await connection.close() }
        let seen = lines.withLockedValue { $0 }.filter { Self.database(ofMonitorLine: $0) == url.database }
        // In stream order: a read of a key written later in the sample was a miss (cache-aside
        // writes right after a miss), of one written earlier a hit; otherwise the index decides.
        var firstWrite: [String: Int] = [:]
        for (position, line) in seen.enumerated() {
            for key in Self.writtenKeys(inMonitorLine: line) where firstWrite[key] == nil { firstWrite[key] = position }
        }
        var sampled: [(user: String, key: String, position: Int)] = []
        for (position, line) in seen.enumerated() {
            for key in Self.readKeys(inMonitorLine: line) {
                if let match = pattern.match(key) { sampled.append((match.user, key, position)) }
            }
        }
        var reads: [String: (hits: Int, misses: Int)] = [:]
        state.withLockedValue { state in
            for (user, key, position) in sampled {
                let hit: Bool
                if let written = firstWrite[key] {
                    hit = written < position
                } else {
                    hit = state.index.entries[AttachIndex.hash(key)] != nil
                }
                var counts = reads[user] ?? (0, 0)
                if hit { counts.hits += 1 } else { counts.misses += 1 }
                reads[user] = counts
            }
        }
        return reads
    }

    /// The database a `MONITOR` line's command ran in: the number after `[`.
    static func database(ofMonitorLine line: String) -> Int? {
        guard let open = line.firstIndex(of: "[") else { return nil }
        return Int(line[line.index(after: open)...].prefix { $0.isNumber })
    }

    /// The keys a `MONITOR` line writes: those of `SET`, `SETEX`, `PSETEX`, `SETNX` and `MSET`.
    static func writtenKeys(inMonitorLine line: String) -> [String] {
        let arguments = quotedArguments(line)
        guard let command = arguments.first?.uppercased() else { return [] }
        switch command {
        case "SET", "SETEX", "PSETEX", "SETNX": return Array(arguments.dropFirst().prefix(1))
        case "MSET": return stride(from: 1, to: arguments.count, by: 2).map { arguments[$0] }
        default: return []
        }
    }

    /// The keys a `MONITOR` line reads: those of `GET`, `MGET`, `GETEX` and `EXISTS`.
    ///
    /// A line reads `1700000000.123456 [0 127.0.0.1:5555] "GET" "key"`; arguments are quoted,
    /// with `\"`, `\\` and `\xHH` escapes.
    static func readKeys(inMonitorLine line: String) -> [String] {
        let arguments = quotedArguments(line)
        guard let command = arguments.first?.uppercased() else { return [] }
        switch command {
        case "GET", "GETEX": return Array(arguments.dropFirst().prefix(1))
        case "MGET", "EXISTS": return Array(arguments.dropFirst())
        default: return []
        }
    }

    /// The quoted arguments of a `MONITOR` line, unescaped.
    static func quotedArguments(_ line: String) -> [String] {
        var arguments: [String] = []
        var bytes = Array(line.utf8)[...]
        while let open = bytes.firstIndex(of: UInt8(ascii: "\"")) {
            bytes = bytes[(open + 1)...]
            var argument: [UInt8] = []
            var closed = false
            while let byte = bytes.popFirst() {
                if byte == UInt8(ascii: "\"") {
                    closed = true
                    break
                }
                guard byte == UInt8(ascii: "\\"), let next = bytes.popFirst() else {
                    argument.append(byte)
                    continue
                }
                switch next {
                case UInt8(ascii: "x"):
                    let hex = String(decoding: bytes.prefix(2), as: UTF8.self)
                    if let value = UInt8(hex, radix: 16) {
                        argument.append(value)
                        bytes = bytes.dropFirst(2)
                    }
                case UInt8(ascii: "n"): argument.append(10)
                case UInt8(ascii: "r"): argument.append(13)
                case UInt8(ascii: "t"): argument.append(9)
                case UInt8(ascii: "a"): argument.append(7)
                case UInt8(ascii: "b"): argument.append(8)
                default: argument.append(next)
                }
            }
            guard closed else { break }
            arguments.append(String(decoding: argument, as: UTF8.self))
        }
        return arguments
    }

    static func seconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return number(seconds) + " s"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
