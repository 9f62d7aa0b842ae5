import CacheAdminAPI
import CacheAdminClient
import Foundation
import TestSupport
import Testing

/// Passwords and tokens do not show where others can read them (issue 10, item 11).
@Suite("cachemon keeps secrets out of its output", .serialized, .timeLimit(.minutes(2)))
struct SecretsTests {
    @Test("serve takes the Redis URL from CACHEMON_REDIS_URL and never prints its password or a given token")
    func redisURLFromEnvironment() async throws {
        let redis = try await RedisServer(password: "hunter2")
        let server = try await ServeProcess(
            token: "given-token", environment: ["CACHEMON_REDIS_URL": "redis://:hunter2@127.0.0.1:\(redis.port)/0"])
        let page = "\(server.url)/api/users/7/alerts"
        #expect(try await ServeProcess.fetch(page).cache == "MISS")
        #expect(try await ServeProcess.fetch(page).cache == "HIT")
        #expect(try await AdminClient(url: server.url, token: server.token).stats().backend == "redis")
        #expect(await server.stop() == 0)
        #expect(!server.process.output.contains("hunter2"))
        #expect(!server.process.output.contains("given-token"))
    }

    @Test(
        "a Redis URL that cannot be parsed is refused without its password",
        arguments: [
            ("flag", "redis://cachemon:hunter2@127.0.0.1:99999/0", "the port must be 1 to 65535"),
            ("environment", "redis://cachemon:hunter2@127.0.0.1:99999/0", "the port must be 1 to 65535"),
            ("flag", "redis:hunter2@db:6379", "it must start with redis://"),
            ("environment", "cachemon:hunter2@db:6379", "it must start with redis://"),
        ])
    func malformedURL(source: String, url: String, reason: String) async throws {
        let result =
            source == "flag"
            ? try await ServeProcess.run(["serve", "--port", "0", "--redis", url])
            : try await ServeProcess.run(["serve", "--port", "0"], environment: ["CACHEMON_REDIS_URL": url])
        #expect(result.status == 64)
        #expect(result.output.contains(reason), "\(result.output)")
        #expect(result.output.contains("***@"))
        #expect(!result.output.contains("hunter2"))
    }

    @Test("serve prints the admin token only when it made it up")
    func generatedTokenShown() async throws {
        let server = try await ServeProcess(token: nil)
        #expect(server.token.count >= 16)
        #expect(try await AdminClient(url: server.url, token: server.token).stats().backend == "memory")
        #expect(await server.stop() == 0)
    }
}
