import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private `redis-server` on a free loopback port, without persistence unless asked, in a
/// directory of its own, stopped by its own pid.
public final class RedisServer: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// Whether the server exited because another process held its port.
        public var portTaken: Bool
        public init(description: String, portTaken: Bool = false) {
            self.description = description
            self.portTaken = portTaken
        }
    }

    public let port: Int
    public let process: SpawnedProcess
    /// Its working directory (`--dir`), where a `SAVE` writes `dump.rdb` and a start reads it.
    public let directory: URL

    /// Starts a server.
    ///
    /// - Parameters:
    ///   - password: `--requirepass`.
    ///   - port: the plain port; a free one by default. With `readyPort`, pass 0 for TLS only.
    ///   - arguments: more `redis-server` options, such as `--maxmemory 2mb`.
    ///   - directory: where it keeps its snapshot; a new temporary directory by default. Pass a
    ///     stopped server's to start from its snapshot.
    ///   - readyPort: the port to wait on, when it is not `port` (a TLS port).
    public init(
        password: String? = nil, port: Int? = nil, arguments: [String] = [], directory: URL? = nil,
        readyPort: Int? = nil
    ) async throws {
        guard
            let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw Failure(description: "redis-server is not installed: run `make test`, which installs it") }
        let directory =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "cachemon-redis-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        // A free port can be taken by another test's server before this one binds it: then this one
        // exits, and (unless the port was asked for) another port is tried, five at most.
        var attempt = 0
        while true {
            attempt += 1
            let chosen = try port ?? Self.freePort()
            do {
                process = try await Self.launch(
                    binary, port: chosen, directory: directory, password: password, arguments: arguments,
                    readyPort: readyPort)
                self.port = chosen
                return
            } catch let failure as Failure where failure.portTaken && port == nil && attempt < 5 {
                continue
            }
        }
    }

    /// Starts `redis-server` on `port`; ready when the process says so and its port accepts
    /// connections, at most 10 s.
    private static func launch(
        _ binary: String, port: Int, directory: URL, password: String?, arguments: [String], readyPort: Int?
    ) async throws -> SpawnedProcess {
        let process = try SpawnedProcess(
            [
                binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", directory.path,
            ] + (password.map { ["--requirepass", $0] } ?? []) + arguments)
        // Another test's server that took the port first would accept too; this one then exits (it
        // cannot bind), which is reported so that the caller can try another port.
        for _ in 0..<200 {
            if let status = process.exitStatus() {
                let said = process.output.split(whereSeparator: \.isNewline).suffix(2).joined(separator: " / ")
                throw Failure(
                    description: "redis-server on port \(port) exited (\(status)): \(said)",
                    portTaken: said.contains("Address already in use"))
            }
            if process.output.contains("Ready to accept connections"), accepts(port: readyPort ?? port) {
                return process
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.signal(SIGKILL)
        throw Failure(description: "redis-server did not start on port \(port)")
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Stops the server at once (SIGKILL): for tests of a server that goes away.
    public func kill() async {
        process.signal(SIGKILL)
        _ = try? await process.wait(timeLimit: .seconds(5))
    }

    /// A port nothing listens on, below Linux's ephemeral range (32768 and up). A client that
    /// connects to a dead port inside that range can be given that very port as its own source
    /// port and connect to itself, which holds the port and stops a server restarted on it.
    public static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            if canBind(port: port) { return port }
        }
        throw Failure(description: "no free port between 20000 and 32000")
    }

    static func canBind(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    public static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
