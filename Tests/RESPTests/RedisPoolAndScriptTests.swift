import NIOCore
import RESP
import TestSupport
import Testing

@Suite("Redis pool and scripts against a real redis-server", .serialized, .timeLimit(.minutes(1)))
struct RedisPoolAndScriptTests {
    @Test("EVALSHA runs a loaded script, and falls back to EVAL after SCRIPT FLUSH")
    func scripts() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url))
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await connection.evaluate(script, keys: ["n"], arguments: [ByteBuffer(string: "5")]) == .integer(5))
        try await connection.execute(RESPCommand("SCRIPT", "FLUSH"))
        #expect(try await connection.evaluate(script, keys: ["n"], arguments: [ByteBuffer(string: "2")]) == .integer(7))
        let broken = RedisScript("return redis.call('NOSUCHCOMMAND')")
        await #expect(throws: RedisError.self) { try await connection.evaluate(broken, keys: []) }
        await connection.close()
    }

    @Test("evaluateAll pipelines one script over many calls, answers in order, and survives SCRIPT FLUSH")
    func evaluateAll() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url))
        let script = RedisScript(
            "if ARGV[1] == 'boom' then return redis.error_reply('boom') end return redis.call('INCRBY', KEYS[1], ARGV[1])"
        )
        let calls = (1...50).map { (keys: ["n\($0 % 3)"], arguments: [ByteBuffer(string: String($0))]) }
        let first = try await connection.evaluateAll(script, calls: calls)
        let sumOfTwos: Int64 = (1...50).filter { $0 % 3 == 2 }.reduce(0) { $0 + Int64($1) }
        let sumOfZeros: Int64 = (1...50).filter { $0 % 3 == 0 }.reduce(0) { $0 + Int64($1) }
        #expect(first.count == 50)
        #expect(first.last == .integer(sumOfTwos), "answers come back in order")
        try await connection.execute(RESPCommand("SCRIPT", "FLUSH"))
        let again: [(keys: [String], arguments: [ByteBuffer])] = [
            (keys: ["n0"], arguments: [ByteBuffer(string: "1")]),
            (keys: ["x"], arguments: [ByteBuffer(string: "boom")]),
        ]
        let second = try await connection.evaluateAll(script, calls: again)
        #expect(second[0] == .integer(sumOfZeros + 1), "NOSCRIPT after SCRIPT FLUSH falls back to EVAL")
        #expect(second[1].errorMessage?.contains("boom") == true, "a Lua error is a value in its place")
        await connection.close()
    }

    @Test("the pool opens at most its maximum and reconnects after the server comes back")
    func pool() async throws {
        let server = try await RedisServer()
        let pool = RedisConnectionPool(url: try RedisURL(server.url), maximumConnections: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { try await pool.execute(RESPCommand("SET", "k\(index)", "v")) }
            }
            try await group.waitForAll()
        }
        #expect(try await pool.execute(RESPCommand("DBSIZE")) == .integer(200))
        // Counted by Redis, not by the pool: every connection it ever accepted, less this one and
        // the readiness probe of `RedisServer`.
        let observer = try await RedisConnection.connect(to: RedisURL(server.url))
        let accepted = try await Self.connectionsReceived(observer) - 2
        #expect(accepted <= 3, "the pool opened \(accepted) connections")
        #expect(accepted >= 1)
        await observer.close()

        await server.kill()
        await #expect(throws: RedisError.self) { try await pool.execute(RESPCommand("PING")) }
        let again = try await RedisServer(port: server.port)
        var answer: RESPValue?
        for _ in 0..<50 where answer == nil {
            answer = try? await pool.execute(RESPCommand("PING"))
            if answer == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answer == .simpleString("PONG"), "the pool reconnected by itself")
        await pool.close()
        _ = again
    }

    /// `total_connections_received` of `INFO stats`.
    static func connectionsReceived(_ connection: RedisConnection) async throws -> Int {
        let info = try await connection.execute(RESPCommand("INFO", "stats")).string ?? ""
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_connections_received:") }
        return try #require(line.flatMap { Int($0.dropFirst("total_connections_received:".count)) })
    }
}
