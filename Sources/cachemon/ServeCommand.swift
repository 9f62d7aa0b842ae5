import ArgumentParser
import CacheAside
import CacheAsideHummingbird
import CacheAsideRedis
import DemoAPI
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import RESP
import ServiceLifecycle

/// `cachemon serve`: the demo dashboard API with its cache and admin API, optionally with traffic.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the demo dashboard API with its cache and the admin API.",
        discussion: """
            Prints one line when it listens: cachemon: serving http://HOST:PORT (token: TOKEN); the
            token is shown only when serve made it up, never one given with --token or $CACHEMON_TOKEN.
            SIGINT or SIGTERM shut it down gracefully.
            """)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        let server = try DemoServer(options: options)
        if let redis = server.store as? RedisStore, let problem = await redis.startProblem() {
            // A URL Redis never accepts is a mistake to fix, not an outage to wait out.
            if problem.lasting {
                printError("cachemon: \(problem.reason)")
                throw ExitStatus.usage
            }
            // An API keeps serving while its cache is down; say so once, and go on uncached.
            printError("cachemon: warning: \(problem.reason); serving uncached until it answers")
        }
        do {
            try await runServer(server)
        } catch {
            printError("cachemon: cannot serve on \(options.host):\(options.port): \(error)")
            throw ExitStatus.serverSaidNo
        }
    }

    private func runServer(_ server: DemoServer) async throws {
        // A token given to us is a secret someone already has: never echo it.
        let given = server.configuration.token != nil
        try await server.run { url, token in
            // Unbuffered: whoever started us may be waiting for this line on a pipe.
            let shown = given ? "token as given" : "token: \(token)"
            FileHandleWriter.standardOutput("cachemon: serving \(url) (\(shown))\n")
        }
    }
}

/// The options of `serve`: where to listen, the token, the store and the demo traffic.
struct ServeOptions: ParsableArguments {
    @Option(help: "The address to listen on; keep the loopback default unless you mean to expose the API.")
    var host = "127.0.0.1"

    @Option(help: "The port; 0 picks a free one.")
    var port = 8080

    @Option(help: "The admin token (default: $CACHEMON_TOKEN, or a new random one).")
    var token: String?

    @Option(help: "Also send this many requests per second of demo traffic to itself.")
    var traffic: Double?

    @Option(help: "How many users the traffic spreads over.")
    var users = 1_000

    @Option(help: "The memory store's budget in MiB.")
    var maxMemory = 256

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Serve the API without the response cache, to compare (the admin API still answers).")
    var noCache = false

    @Option(
        help: ArgumentHelp(
            "The share of hits verified in the background after they are served, 0 to 1 (0.01: one in a hundred).",
            discussion: "At most 10 a second; stale ones are counted and shown as events."))
    var verifySample: Double = 0

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        if let traffic {
            guard traffic > 0, traffic.isFinite else { throw ValidationError("--traffic must be above 0") }
        }
        guard users >= 1 else { throw ValidationError("--users must be 1 or more") }
        guard maxMemory >= 1 else { throw ValidationError("--max-memory must be 1 MiB or more") }
        guard verifySample.isFinite, (0...1).contains(verifySample) else {
            throw ValidationError("--verify-sample must be a share from 0 to 1, such as 0.01")
        }
        if let token, token.isEmpty { throw ValidationError("--token must not be empty") }
    }
}
