import NIOConcurrencyHelpers
import NIOCore

/// A Lua script run with `EVALSHA`, falling back to `EVAL` when the server does not know it
/// (`NOSCRIPT`: first use, a restart, or `SCRIPT FLUSH`).
///
/// ```swift
/// let fencedSet = RedisScript("if redis.call('GET', KEYS[1]) == ARGV[1] then ... end")
/// let answer = try await connection.evaluate(fencedSet, keys: [generationKey], arguments: [generation])
/// ```
public final class RedisScript: Sendable {
    public let source: String
    /// `source` as bytes, made once: a cluster client sends it with `EVAL` and `SCRIPT LOAD`.
    let sourceBytes: ByteBuffer
    private let digest = NIOLockedValueBox<String?>(nil)

    public init(_ source: String) {
        self.source = source
        self.sourceBytes = ByteBuffer(string: source)
    }

    /// The SHA1 the server gave for this script, once known.
    var sha: String? {
        get { digest.withLockedValue { $0 } }
        set { digest.withLockedValue { $0 = newValue } }
    }
}

extension RedisConnection {
    /// Runs `script` with `EVALSHA`; on `NOSCRIPT` runs it with `EVAL` (which also loads it).
    /// A Lua error comes back as a thrown ``RedisError/server(_:)``.
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [ByteBuffer] = []) async throws(RedisError)
        -> RESPValue
    {
        let tail = [ByteBuffer(string: String(keys.count))] + keys.map { ByteBuffer(string: $0) } + arguments
        if script.sha == nil {
            // Learn the digest once; EVALSHA then sends 40 bytes instead of the whole script.
            script.sha = try await execute(RESPCommand("SCRIPT", "LOAD", script.source)).string
        }
        if let sha = script.sha {
            let answer = try await send(RESPCommand([ByteBuffer(string: "EVALSHA"), ByteBuffer(string: sha)] + tail))
            guard answer.errorMessage?.hasPrefix("NOSCRIPT") == true else {
                if let message = answer.errorMessage { throw .server(message) }
                return answer
            }
        }
        return try await execute(RESPCommand([ByteBuffer(string: "EVAL"), ByteBuffer(string: script.source)] + tail))
    }

    /// Runs `script` once per call, all pipelined with one flush; answers in order, a Lua error
    /// as a value in its place. Calls the server answers `NOSCRIPT` (it lost the script meanwhile)
    /// are run again one by one with ``evaluate(_:keys:arguments:)``.
    public func evaluateAll(
        _ script: RedisScript, calls: [(keys: [String], arguments: [ByteBuffer])]
    ) async throws(RedisError) -> [RESPValue] {
        guard !calls.isEmpty else { return [] }
        let sha: String
        if let known = script.sha {
            sha = known
        } else {
            guard let loaded = try await execute(RESPCommand("SCRIPT", "LOAD", script.source)).string else {
                throw .protocolError("SCRIPT LOAD answered no digest")
            }
            script.sha = loaded
            sha = loaded
        }
        let commands = calls.map { call in
            RESPCommand(
                [ByteBuffer(string: "EVALSHA"), ByteBuffer(string: sha), ByteBuffer(string: String(call.keys.count))]
                    + call.keys.map { ByteBuffer(string: $0) } + call.arguments)
        }
        var answers = try await pipeline(commands)
        for index in answers.indices where answers[index].errorMessage?.hasPrefix("NOSCRIPT") == true {
            do {
                answers[index] = try await evaluate(script, keys: calls[index].keys, arguments: calls[index].arguments)
            } catch .server(let message) {
                answers[index] = .error(message)
            }
        }
        return answers
    }
}
