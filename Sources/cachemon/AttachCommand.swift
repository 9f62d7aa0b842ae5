import ArgumentParser
import CacheAdminClient
import CacheAside
import CacheAsideHummingbird
import CacheAttach
import DemoAPI
import Foundation
import Hummingbird
import Logging
import Prometheus
import RESP
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// `cachemon attach REDIS_URL --key-pattern PATTERN`: the admin API, computed from a Redis cache
/// another application writes (Django with django-redis, for example), so `watch`, `stats`,
/// `keys` and `purge` work on it unchanged; `--watch` opens the monitor on it at once.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Serve the admin API for a Redis cache written by another application (Django, for example).",
        discussion: """
            Users come from --key-pattern, a regular expression over the whole key with a group named user
            (and optionally key). For django-redis's default key function and a cache key
            foobar_{user}_{url}:  --key-pattern '^:1:foobar_(?P<user>[^_]+)_(?P<key>.*)$'
            Keys it does not match are counted as other, never shown as a user.

            It scans the keyspace in the background (SCAN, paced by --scan-share), never sends KEYS or
            FLUSH*, and is read-only unless --allow-purge. Prints one line when it listens:
            cachemon: serving http://HOST:PORT (token: TOKEN).
            """)

    @Argument(
        help: ArgumentHelp(
            "The Redis to attach to (default: $CACHEMON_REDIS_URL). rediss:// for TLS.",
            valueName: "redis[s]://[[user]:password@]host:port/db"))
    var redisURL: String?

    @Option(help: "A regular expression over the whole key, with a named group user and optionally key.")
    var keyPattern: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port of the admin API; 0 picks a free one.")
    var port = 0

    @Option(help: "The admin token (default: $CACHEMON_TOKEN, or a new random one).")
    var token: String?

    @Option(help: "The namespace of the prefixes shown (attach:{u:42}).")
    var namespace = "attach"

    @Flag(help: "Allow purges (UNLINK of exactly one user's keys); read-only without it.")
    var allowPurge = false

    @Flag(
        help: ArgumentHelp(
            "Turn on the keyspace notifications attach listens to (notify-keyspace-events += Eg$xem).",
            discussion:
                "A server setting: it stays on after attach exits and costs Redis a little on every write. "
                + "Without it, attach uses whatever notifications are already on, and scans."))
    var enableNotifications = false

    @Option(
        help: ArgumentHelp(
            "Estimate hits per user from MONITOR: watch for the first duration every second one, such as 2s/60s.",
            discussion: "MONITOR slows Redis while it runs; estimates are labelled as such."))
    var sampleReads: String?

    @Option(help: "The largest share of Redis's time the background scan takes, 0.01 to 1.")
    var scanShare = 0.1

    @Option(help: "Seconds between the end of one scan and the start of the next.")
    var rescan = 60.0

    @Option(
        name: .customLong("redis-mode"),
        help: ArgumentHelp(
            "automatic (a cluster if the node says cluster_enabled:1), standalone, or cluster.",
            valueName: "automatic|standalone|cluster"))
    var mode: RedisClient.Mode = .automatic

    @OptionGroup var tlsFiles: RedisTLSOptions

    @Flag(help: "Open the monitor on it in this terminal; quitting the monitor stops attach.")
    var watch = false

    @Option(help: "With --watch: the monitor's refresh interval, such as 1s.")
    var interval: String = "1s"

    func validate() throws {
        _ = try parsedURL()
        do {
            _ = try KeyPattern(keyPattern)
        } catch {
            throw ValidationError("--key-pattern: \(error)")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard scanShare.isFinite, (0.01...1).contains(scanShare) else {
            throw ValidationError("--scan-share must be from 0.01 to 1, such as 0.1")
        }
        guard rescan.isFinite, (0...86_400).contains(rescan) else {
            throw ValidationError("--rescan must be 0 to 86400 seconds")
        }
        if let sampleReads { _ = try Self.sampling(sampleReads) }
        if let token, token.isEmpty { throw ValidationError("--token must not be empty") }
        guard CacheAside.Configuration.isValidNamespace(namespace) else {
            throw ValidationError("--namespace must be non-empty and hold only A-Z a-z 0-9 _ . -")
        }
        guard DisplayOptions.seconds(interval) != nil else {
            throw ValidationError("--interval must be a duration from 0.1s to 60s, such as 1s, 500ms or 2")
        }
        try tlsFiles.validate(for: try parsedURL())
    }

    /// `2s/60s`: how long each sample lasts and how often one is taken.
    static func sampling(_ text: String) throws -> (duration: Duration, interval: Duration) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let duration = DisplayOptions.seconds(String(parts[0])),
            let interval = Double(parts[1].lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "s")))
        else { throw ValidationError("--sample-reads must be DURATION/INTERVAL in seconds, such as 2s/60s") }
        guard interval > duration, interval <= 3600 else {
            throw ValidationError("--sample-reads: the interval must be longer than the sample and at most 3600s")
        }
        return (.milliseconds(Int64(duration * 1000)), .milliseconds(Int64(interval * 1000)))
    }

    /// The URL from the argument or `$CACHEMON_REDIS_URL`; a malformed one is refused without its password.
    func parsedURL() throws -> RedisURL {
        let given =
            redisURL ?? ProcessInfo.processInfo.environment["CACHEMON_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let given else { throw ValidationError("give the Redis URL to attach to (or set $CACHEMON_REDIS_URL)") }
        do {
            return try RedisURL(given)
        } catch {
            throw ValidationError("\(redisURL == nil ? "$CACHEMON_REDIS_URL" : "the Redis URL"): \(error)")
        }
    }

    func run() async throws {
        if watch {
            guard isatty(0) == 1, isatty(1) == 1 else {
                printError("cachemon: --watch needs a terminal; without it attach serves the admin API alone")
                throw ExitStatus.usage
            }
        }
        let url = try parsedURL()
        let pattern = try KeyPattern(keyPattern)
        let cache = AttachedCache(
            url: url, pattern: pattern,
            configuration: .init(
                namespace: namespace, allowPurge: allowPurge, scanShare: scanShare,
                rescanInterval: .milliseconds(Int64(rescan * 1000)), enableNotifications: enableNotifications,
                sampleReads: try sampleReads.map(Self.sampling),
                instance: "attach-\(ProcessInfo.processInfo.processIdentifier)",
                connection: .init(connectTimeout: .seconds(5), commandTimeout: .seconds(10), tls: tlsFiles.tls),
                mode: mode))
        if let problem = await cache.unreachable() {
            printError("cachemon: \(problem)")
            throw ExitStatus.cannotConnect
        }
        let given = token ?? ProcessInfo.processInfo.environment["CACHEMON_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let token = given ?? DemoServer.randomToken()
        let router = Router()
        let registry = PrometheusCollectorRegistry()
        CacheAdminRoutes(source: cache, token: token, metrics: CacheMetrics(source: cache, registry: registry))
            .register(on: router)
        let announcement = PortAnnouncement()
        let host = host
        var logger = Logger(label: "cachemon.attach")
        logger.logLevel = .warning
        if watch { logger = Logger(label: "cachemon.attach", factory: { _ in SwiftLogNoOpLogHandler() }) }
        let quiet = watch
        let application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "cachemon"),
            services: [cache],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                announcement.announce(url)
                if !quiet {
                    let shown = given != nil ? "token as given" : "token: \(token)"
                    FileHandleWriter.standardOutput("cachemon: serving \(url) (\(shown))\n")
                }
            },
            logger: logger)
        guard watch else {
            do {
                try await application.runService()
            } catch {
                printError("cachemon: cannot serve on \(host):\(port): \(error)")
                throw ExitStatus.serverSaidNo
            }
            return
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await serviceGroup.run()
                    announcement.fail(CancellationError())
                } catch {
                    announcement.fail(error)
                    throw error
                }
            }
            let url: String
            do {
                url = try await announcement.url()
            } catch {
                printError("cachemon: cannot serve on \(host):\(port): \(error)")
                group.cancelAll()
                throw ExitStatus.serverSaidNo
            }
            var display = try DisplayOptions.parse(["--interval", interval])
            display.readOnly = !allowPurge
            try await display.runMonitor(url: url, client: try AdminClient(url: url, token: token))
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
