import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport

/// `cachemon serve --port 0` started as a real process, stopped by its own pid.
final class ServeProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let process: SpawnedProcess
    let url: String
    let token: String

    /// Starts the server and waits (at most 30 s) for its "serving" line.
    ///
    /// - Parameter token: the admin token to give it; `nil` lets it make one up, read from that line.
    init(
        port: Int = 0, extraArguments: [String] = [], token: String? = "test-token",
        environment: [String: String] = [:]
    ) async throws {
        process = try SpawnedProcess(
            [try Self.binary().path, "serve", "--port", String(port)] + (token.map { ["--token", $0] } ?? [])
                + extraArguments, environment: environment)
        let deadline = ContinuousClock.now + .seconds(30)
        var line: Substring?
        while line == nil, ContinuousClock.now < deadline, process.exitStatus() == nil {
            line = process.output.split(separator: "\n").first { $0.hasPrefix("cachemon: serving http") }
            if line == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard let line, let match = line.firstMatch(of: /serving (http:\/\/[^ ]+) \((token as given|token: [^)]+)\)/)
        else {
            process.signal(SIGKILL)
            throw Failure(description: "cachemon serve did not start; it wrote:\n\(process.output)")
        }
        self.url = String(match.1)
        self.token = token ?? String(match.2.dropFirst("token: ".count))
    }

    /// Sends SIGTERM and waits for the exit status (at most 10 s, then SIGKILL).
    @discardableResult
    func stop() async -> Int32 {
        process.signal(SIGTERM)
        if let status = try? await process.wait(timeLimit: .seconds(10)) { return status }
        return -1
    }

    /// GETs a URL and reads the whole answer (an unread body would hold its connection).
    static func fetch(_ url: String) async throws -> (status: Int, cache: String?, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        return (Int(response.status.code), response.headers.first(name: "X-Cache"), String(buffer: body))
    }

    /// The `cachemon` executable built next to the test bundle.
    static func binary() throws -> URL {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        for case let directory? in candidates {
            for folder in [directory, directory.deletingLastPathComponent()] {
                let binary = folder.appendingPathComponent("cachemon")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
            }
        }
        throw Failure(description: "cachemon is not built next to the tests; run `swift build` first")
    }

    /// Runs `cachemon ARGUMENTS` to completion (at most 30 s) and returns its status and output.
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws
        -> (status: Int32, output: String)
    {
        try await SpawnedProcess.run([try binary().path] + arguments, environment: environment, input: input)
    }
}
