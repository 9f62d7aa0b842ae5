import ArgumentParser
import Foundation
import RESP

/// `--redis URL` and its TLS files, as `serve` and `demo` take them. Each falls back to an
/// environment variable, so a password need not appear in `ps` or a shell history.
struct RedisOptions: ParsableArguments {
    @Option(
        name: .customLong("redis"),
        help: ArgumentHelp(
            "Keep the cache in Redis, shared with every instance given the same URL, instead of in memory "
                + "(default: $CACHEMON_REDIS_URL). rediss:// for TLS.",
            valueName: "redis[s]://[[user]:password@]host:port/db"))
    var url: String?

    @Option(
        name: .customLong("redis-mode"),
        help: ArgumentHelp(
            "How to talk to --redis: automatic (a cluster if the node says cluster_enabled:1), standalone, "
                + "or cluster (default: $CACHEMON_REDIS_MODE, else automatic). A cluster has only database 0.",
            valueName: "automatic|standalone|cluster"))
    var mode: RedisClient.Mode?

    @Option(
        name: .customLong("redis-partitions"),
        help: ArgumentHelp(
            "On Redis Cluster, how many partitions the store has: a power of two from 16 to 1024, the same "
                + "for every instance (default: $CACHEMON_REDIS_PARTITIONS, else 32). Fewer make statistics "
                + "cheaper; more spread data over more primaries.", valueName: "count"))
    var partitions: Int?

    @Option(
        name: .customLong("near-cache"),
        help: ArgumentHelp(
            "With --redis, how many MiB of values each instance keeps in memory as near copies, kept coherent "
                + "by Redis's invalidations; 0 keeps none (default: $CACHEMON_NEAR_CACHE, else 64).",
            valueName: "MiB"))
    var nearCache: Int?

    @OptionGroup var tlsFiles: RedisTLSOptions

    /// The environment the fallbacks are read from; tests may set their own.
    var environment: [String: String] { ProcessInfo.processInfo.environment }

    func validate() throws {
        let mode = try parsedMode()
        guard let url = try parsedURL() else {
            if tlsFiles.caFile != nil || tlsFiles.certificateFile != nil || tlsFiles.keyFile != nil {
                throw ValidationError("--redis-ca, --redis-cert and --redis-key need --redis (or $CACHEMON_REDIS_URL)")
            }
            if self.mode != nil { throw ValidationError("--redis-mode needs --redis (or $CACHEMON_REDIS_URL)") }
            if partitions != nil {
                throw ValidationError("--redis-partitions needs --redis (or $CACHEMON_REDIS_URL)")
            }
            if nearCache != nil { throw ValidationError("--near-cache needs --redis (or $CACHEMON_REDIS_URL)") }
            return
        }
        _ = try parsedPartitions()
        _ = try parsedNearCacheBytes()
        if mode == .cluster, url.database != 0 {
            throw ValidationError(
                "--redis-mode cluster: Redis Cluster has only database 0; drop \"/\(url.database)\" from the URL")
        }
        try tlsFiles.validate(for: url)
    }

    /// The URL from `--redis` or `$CACHEMON_REDIS_URL`, `nil` if neither; a malformed one is a
    /// usage error that says why, with its password redacted.
    func parsedURL() throws -> RedisURL? {
        let given = url ?? environment["CACHEMON_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let given else { return nil }
        do {
            return try RedisURL(given)
        } catch {
            throw ValidationError("\(url == nil ? "$CACHEMON_REDIS_URL" : "--redis"): \(error)")
        }
    }

    /// The mode from `--redis-mode` or `$CACHEMON_REDIS_MODE`; automatic if neither.
    func parsedMode() throws -> RedisClient.Mode {
        if let mode { return mode }
        guard let given = environment["CACHEMON_REDIS_MODE"], !given.isEmpty else { return .automatic }
        guard let mode = RedisClient.Mode(rawValue: given) else {
            throw ValidationError(
                "$CACHEMON_REDIS_MODE: \"\(given)\" is not one of automatic, standalone, cluster")
        }
        return mode
    }

    /// The partition count from `--redis-partitions` or `$CACHEMON_REDIS_PARTITIONS`; 32 if neither.
    func parsedPartitions() throws -> Int {
        let source = partitions != nil ? "--redis-partitions" : "$CACHEMON_REDIS_PARTITIONS"
        let given = partitions.map(String.init) ?? environment["CACHEMON_REDIS_PARTITIONS"] ?? ""
        if given.isEmpty { return 32 }
        guard let count = Int(given), (16...1024).contains(count), count.nonzeroBitCount == 1 else {
            throw ValidationError(
                "\(source): \"\(given)\" is not a power of two from 16 to 1024 (16, 32, 64, 128, 256, 512 or 1024)")
        }
        return count
    }

    /// The near cache's size in bytes from `--near-cache` or `$CACHEMON_NEAR_CACHE` (MiB); 64 MiB
    /// if neither.
    func parsedNearCacheBytes() throws -> Int {
        let source = nearCache != nil ? "--near-cache" : "$CACHEMON_NEAR_CACHE"
        let given = nearCache.map(String.init) ?? environment["CACHEMON_NEAR_CACHE"] ?? ""
        if given.isEmpty { return 64 << 20 }
        guard let mebibytes = Int(given), (0...1 << 20).contains(mebibytes) else {
            throw ValidationError("\(source): \"\(given)\" is not a number of MiB from 0 (none) to 1048576")
        }
        return mebibytes << 20
    }

    /// The TLS files, from the options or the environment.
    var tls: RedisTLS { tlsFiles.tls }
}

/// `--redis-ca`, `--redis-cert` and `--redis-key`: the TLS files of a `rediss://` connection, each
/// falling back to an environment variable; `serve`, `demo` and `attach` take them.
struct RedisTLSOptions: ParsableArguments {
    @Option(
        name: .customLong("redis-ca"),
        help: ArgumentHelp(
            "PEM file of the CA that signed the Redis server's certificate (default: $CACHEMON_REDIS_CA, "
                + "else the system's CAs).", valueName: "file"))
    var caFile: String?

    @Option(
        name: .customLong("redis-cert"),
        help: ArgumentHelp(
            "PEM file of a client certificate, for a Redis that requires one (default: $CACHEMON_REDIS_CERT).",
            valueName: "file"))
    var certificateFile: String?

    @Option(
        name: .customLong("redis-key"),
        help: ArgumentHelp(
            "PEM file of the client certificate's private key (default: $CACHEMON_REDIS_KEY).", valueName: "file"))
    var keyFile: String?

    /// The environment the fallbacks are read from.
    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Refuses files that cannot be read, a certificate without its key, and TLS files for a
    /// URL without TLS.
    func validate(for url: RedisURL?) throws {
        let tls = self.tls
        guard let url else {
            if tls != RedisTLS() {
                throw ValidationError("--redis-ca, --redis-cert and --redis-key need a Redis URL")
            }
            return
        }
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw ValidationError("--redis-cert and --redis-key go together: give both, or neither")
        }
        if !url.usesTLS, tls != RedisTLS() {
            throw ValidationError("--redis-ca, --redis-cert and --redis-key are for TLS: use a rediss:// URL")
        }
        for (option, file) in [
            ("--redis-ca", tls.caFile), ("--redis-cert", tls.certificateFile), ("--redis-key", tls.keyFile),
        ] {
            if let file, !FileManager.default.isReadableFile(atPath: file) {
                throw ValidationError("\(option): cannot read \(file)")
            }
        }
    }

    /// The TLS files, from the options or the environment.
    var tls: RedisTLS {
        func fallback(_ value: String?, _ variable: String) -> String? {
            value ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        return RedisTLS(
            caFile: fallback(caFile, "CACHEMON_REDIS_CA"),
            certificateFile: fallback(certificateFile, "CACHEMON_REDIS_CERT"),
            keyFile: fallback(keyFile, "CACHEMON_REDIS_KEY"))
    }
}

extension RedisClient.Mode: ExpressibleByArgument {}
