import CacheAdminAPI
import Foundation
import TestSupport
import Testing

/// `--redis-mode`, `--redis-partitions` and their variables: refused with a clear message when they cannot work,
/// and a `serve` given any node of a cluster serves from it.
@Suite("cachemon serve on a Redis Cluster", .timeLimit(.minutes(2)))
struct RedisModeTests {
    @Test(
        "a mode that cannot work is a usage error that says why",
        arguments: [
            (
                ["--redis-mode", "cluster", "--redis", "redis://127.0.0.1:6379/2"], [:],
                "Redis Cluster has only database 0"
            ),
            (["--redis-mode", "sharded", "--redis", "redis://127.0.0.1:6379"], [:], "sharded"),
            (
                ["--redis", "redis://127.0.0.1:6379"], ["CACHEMON_REDIS_MODE": "sharded"],
                "automatic, standalone, cluster"
            ),
            (["--redis-mode", "cluster"], [:], "--redis-mode needs --redis"),
            (
                ["--redis", "redis://127.0.0.1:6379", "--redis-partitions", "100"], [:],
                "is not a power of two from 16 to 1024"
            ),
            (
                ["--redis", "redis://127.0.0.1:6379"], ["CACHEMON_REDIS_PARTITIONS": "4096"],
                "$CACHEMON_REDIS_PARTITIONS: \"4096\" is not a power of two"
            ),
            (["--redis-partitions", "64"], [:], "--redis-partitions needs --redis"),
        ] as [([String], [String: String], String)])
    func refused(arguments: [String], environment: [String: String], reason: String) async throws {
        let result = try await ServeProcess.run(["serve", "--port", "0"] + arguments, environment: environment)
        #expect(result.status == 64)
        #expect(result.output.contains(reason), "\(result.output)")
    }

    @Test("serve given one node of a cluster shares the cache over every primary, and lists itself")
    func serveOnCluster() async throws {
        let cluster = try await RedisCluster(replicas: false)
        do {
            // Detected as a cluster, a URL with a database is refused as with --redis-mode cluster.
            let refused = try await ServeProcess.run(["serve", "--port", "0", "--redis", cluster.url + "/2"])
            #expect(refused.status == 64)
            #expect(refused.output.contains("Redis Cluster has only database 0"), "\(refused.output)")
            #expect(!refused.output.contains("serving"), "\(refused.output)")
            let server = try await ServeProcess(extraArguments: ["--redis", cluster.url, "--users", "50"])
            // Users spread over the three primaries: each answer is computed once, then a hit.
            for user in 0..<12 {
                let first = try await ServeProcess.fetch("\(server.url)/api/users/\(user)/dashboard/summary")
                let second = try await ServeProcess.fetch("\(server.url)/api/users/\(user)/dashboard/summary")
                #expect(first.status == 200 && second.status == 200)
                #expect(second.cache == "HIT", "user \(user): \(String(describing: second.cache))")
            }
            var keysPerPrimary: [Int] = []
            for port in cluster.primaryPorts {
                let count = try await cluster.redisCLI(port: port, ["DBSIZE"])
                keysPerPrimary.append(Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
            }
            #expect(keysPerPrimary.allSatisfy { $0 > 0 }, "every primary holds keys: \(keysPerPrimary)")
            await server.stop()
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
