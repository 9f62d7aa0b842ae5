// RedisStore against a private redis-server: hit latency, pipelined throughput, the purge of
// one user's 100 entries in 1,000,000 entries over 10,000 users, side by side with the classic
// `SCAN MATCH <prefix>* COUNT 1000` + `UNLINK` over a keyspace of the same size, and the keys page
// of a prefix of 500,000 entries. Prints Markdown for docs/benchmarks.md.
//
//   CACHEMON_BENCHMARKS=1 swift run -c release --scratch-path .build-bench RedisBenchmarks [users] [entries per user]
//
// With `cluster` instead: the hit path and the purge on one Redis and on a cluster of 3 primaries
// (see ClusterFigures.swift). With `near`: the near cache's hit and invalidation lag (NearFigures.swift).
import CacheAside
import CacheAsideRedis
import Foundation
import NIOCore
import RESP
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

if CommandLine.arguments.dropFirst().first == "cluster" {
    try await compareClusterFigures()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "near" {
    try await nearFigures()
    exit(0)
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let users = arguments.first ?? 10_000
let perUser = arguments.dropFirst().first ?? 100
let value = [UInt8](repeating: 0x61, count: 100)

func routes(_ count: Int) -> [String] { (0..<count).map { "GET /api/orders?page=\($0)" } }

func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func format(_ duration: Duration) -> String {
    let nanoseconds = Double(CacheClock.nanoseconds(duration))
    if nanoseconds < 1_000 { return String(format: "%.0f ns", nanoseconds) }
    if nanoseconds < 1_000_000 { return String(format: "%.1f µs", nanoseconds / 1e3) }
    return String(format: "%.2f ms", nanoseconds / 1e6)
}

func time(_ body: () async throws -> Void) async rethrows -> Duration {
    let start = ContinuousClock.now
    try await body()
    return start.duration(to: .now)
}

// The tests' private redis-server: a port that was free, no persistence, ready when it accepts
// connections, killed by its pid when the program ends.
let redis = try await RedisServer()
defer { redis.process.signal(SIGKILL) }
let url = try RedisURL("redis://127.0.0.1:\(redis.port)/0")
let raw = try await RedisConnection.connect(to: url, commandTimeout: .seconds(30))
let store = RedisStore(url: url, configuration: .init(commandTimeout: .seconds(30)))
var rows: [(String, String, String)] = []

// 1. Hit latency: one task, one key, each lookup a round trip.
let hitKey = CacheKey(prefix: CachePrefix(namespace: "api", user: "hit"), route: "GET /dashboard")
guard case .miss(let generation) = try await store.lookup(hitKey) else { fatalError("a fresh store has no hit") }
_ = try await store.store(value, for: hitKey, ttl: .seconds(3600), generation: generation)
for _ in 0..<2_000 { _ = try await store.lookup(hitKey) }
var hits: [Duration] = []
for _ in 0..<20_000 { hits.append(try await time { _ = try await store.lookup(hitKey) }) }
hits.sort()
rows.append(
    (
        "hit through `RedisStore.lookup`, 100-byte value, 1 task", format(percentile(hits, 0.5)),
        format(percentile(hits, 0.99))
    ))

// 2. Throughput: 64 tasks sharing the pool (pipelined on 4 connections), and raw pipelines.
let concurrentHits = 200_000
let concurrent = try await time {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<64 {
            group.addTask { for _ in 0..<(concurrentHits / 64) { _ = try await store.lookup(hitKey) } }
        }
        try await group.waitForAll()
    }
}
let hitsPerSecond = Double(concurrentHits) / (Double(CacheClock.nanoseconds(concurrent)) / 1e9)
rows.append(("hits/s, 64 tasks over 4 pooled connections", String(format: "%.0f/s", hitsPerSecond), ""))
let batch = (0..<10_000).map { RESPCommand("GET", "k\($0 % 100)") }
let pipelined = try await time { for _ in 0..<20 { _ = try await raw.pipeline(batch) } }
let commandsPerSecond = 200_000 / (Double(CacheClock.nanoseconds(pipelined)) / 1e9)
rows.append(("raw `GET`s/s, pipelines of 10,000 on one connection", String(format: "%.0f/s", commandsPerSecond), ""))

// 3. The keyspace: users × perUser entries through the store (database 0), and the same count of
// one-key-per-entry strings for the classic approach (database 1, so SCAN sees only those).
let allRoutes = routes(perUser)
func fill(user: Int) async throws {
    let prefix = CachePrefix(namespace: "api", user: String(user))
    for route in allRoutes {
        let key = CacheKey(prefix: prefix, route: route)
        if case .miss(let generation) = try await store.lookup(key) {
            _ = try await store.store(value, for: key, ttl: .seconds(3600), generation: generation)
        }
    }
}
let filling = try await time {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<32 {
            group.addTask { for user in stride(from: worker, to: users, by: 32) { try await fill(user: user) } }
        }
        try await group.waitForAll()
    }
}
try await store.flush()
let classic = try await RedisConnection.connect(
    to: RedisURL("redis://127.0.0.1:\(redis.port)/1"), commandTimeout: .seconds(30))
func classicFill(user: Int) async throws {
    let commands = allRoutes.map {
        RESPCommand([ByteBuffer(string: "SET"), ByteBuffer(string: "api:{u:\(user)}:\($0)"), ByteBuffer(bytes: value)])
    }
    _ = try await classic.pipeline(commands)
}
for user in 0..<users { try await classicFill(user: user) }
let keyspace = try await classic.execute(RESPCommand("DBSIZE")).int ?? 0
print("filled \(users * perUser) entries through the store in \(format(filling)); classic keyspace: \(keyspace) keys")

// 4. Purge one user's entries, both ways, on random users; refills are not timed.
var ours: [Duration] = []
var theirs: [Duration] = []
var removedOurs = 0
var removedTheirs = 0
for trial in 0..<11 {
    let user = (trial * 7_919 + 13) % users
    ours.append(
        try await time {
            removedOurs = try await store.purge(CachePrefix(namespace: "api", user: String(user))).removedKeys
        })
    try await fill(user: user)
    theirs.append(
        try await time {
            var cursor = "0"
            var found: [String] = []
            repeat {
                let answer = try await classic.execute(
                    RESPCommand("SCAN", cursor, "MATCH", "api:{u:\(user)}:*", "COUNT", "1000"))
                guard case .array(let parts) = answer, parts.count == 2, case .array(let keys) = parts[1] else {
                    throw RedisError.protocolError("SCAN answered \(answer)")
                }
                cursor = parts[0].string ?? "0"
                found += keys.compactMap(\.string)
            } while cursor != "0"
            if !found.isEmpty { _ = try await classic.execute(RESPCommand(strings: ["UNLINK"] + found)) }
            removedTheirs = found.count
        })
    try await classicFill(user: user)
}
ours.sort()
theirs.sort()
precondition(removedOurs == perUser && removedTheirs == perUser, "both purges must remove the user's entries")
let ratio =
    Double(CacheClock.nanoseconds(percentile(theirs, 0.5))) / Double(CacheClock.nanoseconds(percentile(ours, 0.5)))
rows.append(
    (
        "purge one user's \(perUser) entries, `RedisStore.purge` (Lua, one step)", format(percentile(ours, 0.5)),
        format(ours.last ?? .zero)
    ))
rows.append(
    (
        "the same with `SCAN MATCH api:{u:N}:* COUNT 1000` + `UNLINK` over \(keyspace) keys",
        format(percentile(theirs, 0.5)), format(theirs.last ?? .zero)
    ))
rows.append(("ratio classic / RedisStore (medians)", String(format: "%.0f×", ratio), ""))

// 5. The stats page over that keyspace.
var pages: [Duration] = []
for _ in 0..<11 { pages.append(try await time { _ = try await store.statistics(StatsQuery(sort: .hits, limit: 50)) }) }
pages.sort()
rows.append(
    ("`statistics` top-50 page by hits, \(users) prefixes", format(percentile(pages, 0.5)), format(pages.last ?? .zero))
)

// 6. The keys page of one very large prefix (the shared public prefix can grow so from query-string
// variants): pages are read by rank from the prefix's name index, never by loading the prefix.
let largePrefix = CachePrefix(namespace: "api", user: nil)
let largeCount = 500_000
try await withThrowingTaskGroup(of: Void.self) { group in
    for worker in 0..<32 {
        group.addTask {
            for index in stride(from: worker, to: largeCount, by: 32) {
                let key = CacheKey(prefix: largePrefix, route: "GET /api/search?q=\(index)")
                if case .miss(let generation) = try await store.lookup(key) {
                    _ = try await store.store(value, for: key, ttl: .seconds(3600), generation: generation)
                }
            }
        }
    }
    try await group.waitForAll()
}
_ = try await raw.execute(RESPCommand("CONFIG", "SET", "slowlog-log-slower-than", "0"))
_ = try await raw.execute(RESPCommand("SLOWLOG", "RESET"))
var keyPages: [Duration] = []
for trial in 0..<21 {
    let offset = (trial * 23_917) % (largeCount - 50)
    keyPages.append(try await time { _ = try await store.keys(in: largePrefix, limit: 50, offset: offset) })
}
keyPages.sort()
// Redis's own time for each page's script, from the slow log (microseconds).
let slowlog = try await raw.execute(RESPCommand("SLOWLOG", "GET", "1000"))
var scriptMicroseconds: [Int64] = []
if case .array(let entries) = slowlog {
    for case .array(let fields) in entries where fields.count > 3 {
        if case .array(let command) = fields[3], command.first?.string?.uppercased() == "EVALSHA",
            command.count > 4, command[3].string?.hasSuffix("api:{u:-}#m") == true, fields[2].int != nil
        {
            scriptMicroseconds.append(fields[2].int ?? 0)
        }
    }
}
scriptMicroseconds.sort()
_ = try await raw.execute(RESPCommand("CONFIG", "SET", "slowlog-log-slower-than", "10000"))
rows.append(
    (
        "keys page of 50 at a random offset in one prefix of \(largeCount) entries, `RedisStore.keys`",
        format(percentile(keyPages, 0.5)), format(keyPages.last ?? .zero)
    ))
if let median = scriptMicroseconds.dropFirst(scriptMicroseconds.count / 2).first, let most = scriptMicroseconds.last {
    rows.append(("the same, time Redis spends in the script (SLOWLOG)", "\(median) µs", "\(most) µs"))
}

print("\n| benchmark | p50 / median | p99 / max |\n|---|---|---|")
for (name, middle, high) in rows { print("| \(name) | \(middle) | \(high) |") }
await raw.close()
await classic.close()
await store.close()
