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
        #expect(pool.openConnections <= 3 && pool.openConnections >= 1)
        #expect(try await pool.execute(RESPCommand("DBSIZE")) == .integer(200))

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
}
