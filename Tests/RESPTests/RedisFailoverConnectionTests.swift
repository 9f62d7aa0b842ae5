import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP
import TestSupport
import Testing

/// Connections to a server that cannot serve us are dropped, and connections are opened one at a
/// time (issue 10, items 7 and 8).
@Suite("Pool connections under failover and bursts", .serialized, .timeLimit(.minutes(1)))
struct RedisFailoverConnectionTests {
    @Test("a READONLY answer (a demoted primary) closes the connection, so the pool opens a new one")
    func readOnlyDropsConnection() async throws {
        let primary = try await RedisServer()
        let replica = try await RedisServer(arguments: ["--replicaof", "127.0.0.1", String(primary.port)])
        let pool = RedisConnectionPool(url: try RedisURL(replica.url), maximumConnections: 1)
        let connection = try await pool.connection()
        let answer = try await connection.send(RESPCommand("SET", "k", "v"))
        #expect(answer.errorMessage?.hasPrefix("READONLY") == true, "the caller still gets the answer")
        try await waitUntil(seconds: 5) { !connection.isActive }
        // Promoted: the next command goes over a new connection and works.
        let replicaConnection = try await RedisConnection.connect(to: RedisURL(replica.url))
        _ = try await replicaConnection.execute(RESPCommand("REPLICAOF", "NO", "ONE"))
        #expect(try await pool.execute(RESPCommand("SET", "k", "v")) == .simpleString("OK"))
        await replicaConnection.close()
        await pool.close()
    }

    @Test("a burst of callers on a fresh pool opens one connection at a time, each named")
    func oneOpeningAtATime() async throws {
        let server = try await RedisServer()
        let opening = NIOLockedValueBox((now: 0, most: 0, total: 0))
        let pool = RedisConnectionPool(
            url: try RedisURL(server.url), maximumConnections: 4,
            options: .init(clientName: "cachemon:burst test"),
            onConnect: { connection throws(RedisError) in
                opening.withLockedValue { state in
                    state.now += 1
                    state.most = max(state.most, state.now)
                    state.total += 1
                }
                // Slow enough that the burst arrives while this one is being opened.
                try? await Task.sleep(for: .milliseconds(50))
                opening.withLockedValue { $0.now -= 1 }
            })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask { try await pool.execute(RESPCommand("SET", "k\(index)", "v")) }
            }
            try await group.waitForAll()
        }
        let state = opening.withLockedValue { $0 }
        #expect(state.most == 1, "\(state.most) connections were being opened at once")
        #expect(state.total <= 4)
        let observer = try await RedisConnection.connect(to: RedisURL(server.url))
        let list = try await observer.execute(RESPCommand("CLIENT", "LIST")).string ?? ""
        #expect(list.contains("name=cachemon:burst-test "), "spaces become dashes: \(list)")
        await observer.close()
        await pool.close()
    }
}

/// TCP keepalive on our connections (issue 10, item 12), read from the kernel's socket table.
@Suite("Connections have TCP keepalive", .timeLimit(.minutes(1)))
struct KeepaliveTests {
    @Test("an idle connection to Redis has the kernel's keepalive timer running")
    func keepalive() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url))
        // Our side's port, as Redis sees it (`addr=127.0.0.1:54321`).
        let info = try #require(try await connection.execute(RESPCommand("CLIENT", "INFO")).string)
        let address = try #require(info.split(separator: " ").first { $0.hasPrefix("addr=") })
        let local = try #require(address.split(separator: ":").last.flatMap { Int($0) })
        // /proc/net/tcp: `sl local rem st queues tr:when …`; our socket is the one from our port to
        // Redis's (matching Redis's port alone could find another server's socket to a client
        // whose port has the same number). An idle socket with keepalive has timer 2 armed;
        // without it, timer 0.
        // Read to the end: /proc files say they are empty, so a read by size gets nothing.
        let file = try #require(FileHandle(forReadingAtPath: "/proc/net/tcp"))
        let table = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        try file.close()
        let port = String(format: "%04X", server.port)
        let rows: [[String]] = table.split(separator: "\n").dropFirst().map { line in
            line.split(separator: " ").map(String.init)
        }
        let ours = rows.filter { row in
            row.count > 5 && row[1].hasSuffix(String(format: ":%04X", local)) && row[2].hasSuffix(":" + port)
                && row[3] == "01"
        }
        #expect(!ours.isEmpty, "no established connection to port \(server.port) in /proc/net/tcp")
        for socket in ours {
            let timer = socket[5]
            #expect(timer.hasPrefix("02:"), "timer \(timer) on \(socket[1])")
        }
        await connection.close()
    }
}
