import ArgumentParser
import CacheAdminAPI
import CacheAdminClient
import CacheAsideRedis
import DemoAPI
import Foundation
import Hummingbird
import Logging
import RESP
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// `cachemon demo`: the demo API with its traffic in this process, and the monitor on it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the demo dashboard API with traffic and open the monitor on it.",
        discussion: "Quitting the monitor stops the API too.")

    @Option(help: "The port of the demo API; 0 picks a free one.")
    var port = 0

    @Option(help: "The admin token (default: a new random one).")
    var token: String?

    @Option(help: "Requests per second of demo traffic.")
    var traffic: Double = 200

    @Option(help: "How many users the traffic spreads over.")
    var users = 1_000

    @Option(help: "The share of hits verified in the background, 0 to 1 (at most 10 a second).")
    var verifySample: Double = 0.05

    @OptionGroup var redis: RedisOptions

    @OptionGroup var display: DisplayOptions

    func validate() throws {
        guard verifySample.isFinite, (0...1).contains(verifySample) else {
            throw ValidationError("--verify-sample must be a share from 0 to 1, such as 0.05")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard traffic > 0, traffic.isFinite else { throw ValidationError("--traffic must be above 0") }
        guard users >= 1 else { throw ValidationError("--users must be 1 or more") }
    }

    func run() async throws {
        // Check the terminal before starting anything, so a wrong invocation leaves nothing running.
        guard isatty(0) == 1, isatty(1) == 1 else {
            printError("cachemon: the monitor needs a terminal; for the API alone use `cachemon serve`")
            throw ExitStatus.usage
        }
        let server = DemoServer(
            configuration: .init(
                port: port, token: token, trafficRate: traffic, users: users, redis: try redis.parsedURL(),
                redisTLS: redis.tls, redisMode: try redis.parsedMode(),
                redisPartitions: try redis.parsedPartitions(), nearCacheBytes: try redis.parsedNearCacheBytes(),
                verifySample: verifySample))
        if let redis = server.store as? RedisStore, let problem = await redis.unreachable() {
            // Asked for by name and not there: better said now than shown as a wall of store errors.
            printError("cachemon: \(problem)")
            throw ExitCode.failure
        }
        // The terminal belongs to the monitor: the server must not log over it.
        let quiet = Logger(label: "cachemon.demo", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = server.makeApplication(logger: quiet)
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await serviceGroup.run()
                    server.announcement.fail(CancellationError())
                } catch {
                    server.announcement.fail(error)
                    throw error
                }
            }
            let url: String
            do {
                url = try await server.announcement.url()
            } catch {
                printError("cachemon: the demo API could not start: \(error)")
                group.cancelAll()
                throw ExitCode.failure
            }
            try await display.runMonitor(url: url, client: try AdminClient(url: url, token: server.token))
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
