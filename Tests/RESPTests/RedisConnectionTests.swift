import NIOCore
import RESP
import TestSupport
import Testing

@Suite("Redis connection against a real redis-server", .serialized, .timeLimit(.minutes(1)))
struct RedisConnectionTests {
    @Test("commands get their answers; bulk strings are binary-safe; null and empty stay apart")
    func basics() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url))
        #expect(try await connection.execute(RESPCommand("PING")) == .simpleString("PONG"))
        let binary = ByteBuffer(bytes: [0, 13, 10, 255, 42])
        try await connection.execute(RESPCommand([ByteBuffer(string: "SET"), ByteBuffer(string: "k"), binary]))
        #expect(try await connection.execute(RESPCommand("GET", "k")) == .bulkString(binary))
        try await connection.execute(RESPCommand("SET", "empty", ""))
        #expect(try await connection.execute(RESPCommand("GET", "empty")) == .bulk(""))
        #expect(try await connection.execute(RESPCommand("GET", "missing")) == .null)
        await connection.close()
    }

    @Test("a thousand concurrent callers on one connection each get their own answer; a pipeline answers in order")
    func pipelining() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url))
        // Each caller checks the answer it got is the one to its own command: an answer handed to
        // the wrong caller is, in the cache, one user's value served to another.
        let mismatches = try await withThrowingTaskGroup(of: [String].self) { group in
            for caller in 0..<1_000 {
                group.addTask {
                    let answer = try await connection.execute(RESPCommand("ECHO", "caller \(caller)"))
                    return answer == .bulk("caller \(caller)") ? [] : ["caller \(caller) got \(answer)"]
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) callers got another's answer, e.g. \(mismatches.prefix(3))")
        let commands = (0..<500).map { RESPCommand("ECHO", "in order \($0)") }
        let answers = try await connection.pipeline(commands)
        let misplaced = zip(answers, 0..<500).filter { $0 != .bulk("in order \($1)") }.count
        #expect(answers.count == 500)
        #expect(misplaced == 0, "\(misplaced) of 500 pipelined answers are out of place")
        await connection.close()
    }

    @Test("a server error is thrown with its message, and the connection goes on")
    func serverError() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url))
        try await connection.execute(RESPCommand("SET", "s", "text"))
        await #expect(throws: RedisError.self) { try await connection.execute(RESPCommand("INCR", "s")) }
        #expect(try await connection.execute(RESPCommand("PING")) == .simpleString("PONG"))
        await connection.close()
    }

    @Test("AUTH and SELECT come from the URL; a wrong password is refused")
    func authAndSelect() async throws {
        let server = try await RedisServer(password: "s3cret")
        let two = try await RedisConnection.connect(to: RedisURL("redis://:s3cret@127.0.0.1:\(server.port)/2"))
        try await two.execute(RESPCommand("SET", "where", "db2"))
        let zero = try await RedisConnection.connect(to: RedisURL("redis://:s3cret@127.0.0.1:\(server.port)"))
        #expect(try await zero.execute(RESPCommand("GET", "where")) == .null)
        await #expect(throws: RedisError.self) {
            _ = try await RedisConnection.connect(to: RedisURL("redis://:wrong@127.0.0.1:\(server.port)"))
        }
        await two.close()
        await zero.close()
    }

    @Test("commands pending on a dying connection fail with connectionClosed when it closes, not at their timeout")
    func serverGoesAway() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url), commandTimeout: .seconds(30))
        let blocked = Task { try await connection.execute(RESPCommand("BLPOP", "nothing", "0")) }
        try await Task.sleep(for: .milliseconds(200))
        let killed = ContinuousClock.now
        await server.kill()
        let pending = await #expect(throws: RedisError.self) { try await blocked.value }
        // Waiting for the 30 s command timeout would answer timedOut, and much later.
        #expect(pending.map(Self.isConnectionClosed) == true, "\(String(describing: pending))")
        #expect(ContinuousClock.now - killed < .seconds(10))
        let later = await #expect(throws: RedisError.self) { try await connection.execute(RESPCommand("PING")) }
        #expect(later.map(Self.isConnectionClosed) == true, "\(String(describing: later))")
        #expect(!connection.isActive)
    }

    static func isConnectionClosed(_ error: RedisError) -> Bool {
        if case .connectionClosed = error { return true }
        return false
    }

    @Test("cancelling a waiting task ends its wait at once; the late answer is dropped and the next command is in step")
    func cancellation() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url), commandTimeout: .seconds(30))
        let blocked = Task { try await connection.execute(RESPCommand("BLPOP", "queue", "0")) }
        try await Task.sleep(for: .milliseconds(200))
        blocked.cancel()
        await #expect(throws: RedisError.cancelled) { try await blocked.value }
        let other = try await RedisConnection.connect(to: RedisURL(server.url))
        try await other.execute(RESPCommand("RPUSH", "queue", "late"))
        #expect(try await connection.execute(RESPCommand("ECHO", "next")) == .bulk("next"))
        #expect(connection.isActive)
        await other.close()
        await connection.close()
    }

    @Test("a command with no answer in time fails with timedOut; a closed port fails to connect")
    func timeouts() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(to: RedisURL(server.url), commandTimeout: .milliseconds(200))
        await #expect(throws: RedisError.timedOut(command: "BLPOP")) {
            try await connection.execute(RESPCommand("BLPOP", "nothing", "5"))
        }
        let port = try RedisServer.freePort()
        await #expect(throws: RedisError.self) {
            _ = try await RedisConnection.connect(to: RedisURL("redis://127.0.0.1:\(port)"))
        }
    }

    @Test("Redis URLs parse host, port, password and database, and bad ones are refused")
    func urls() throws {
        let url = try RedisURL("redis://:pw@10.0.0.1:6380/3")
        #expect(url.host == "10.0.0.1" && url.port == 6380 && url.password == "pw" && url.database == 3)
        #expect(url.user == nil)
        #expect(try RedisURL("redis://user:pw@10.0.0.1:6380/3").user == "user")
        #expect(try RedisURL("redis://localhost").port == 6379)
        for bad in ["http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h/x"] {
            #expect(throws: RedisError.self) { try RedisURL(bad) }
        }
    }
}
