import Foundation
import NIOConcurrencyHelpers

/// `cachemon serve --port 0` started as a real process, stopped by its own pid.
final class ServeProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let process: Process
    let url: String
    let token: String

    /// Starts the server and waits (at most 30 s) for its "serving" line.
    init(extraArguments: [String] = [], token: String = "test-token") async throws {
        let binary = try Self.binary()
        process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0", "--token", token] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try await Self.firstLine(of: output.fileHandleForReading, within: .seconds(30))
        guard let match = line.firstMatch(of: /serving (http:\/\/[^ ]+) \(token: ([^)]+)\)/) else {
            process.terminate()
            throw Failure(description: "unexpected first line: \(line)")
        }
        self.url = String(match.1)
        self.token = String(match.2)
    }

    /// Sends SIGTERM and waits for the exit status (at most 10 s, then SIGKILL).
    @discardableResult
    func stop() async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        for _ in 0..<200 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
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
    static func run(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        for _ in 0..<600 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw Failure(description: "cachemon \(arguments.joined(separator: " ")) did not finish in 30 s")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    private static func firstLine(of handle: FileHandle, within limit: Duration) async throws -> String {
        let collected = NIOLockedValueBox("")
        let reader = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                let done = collected.withLockedValue { text -> Bool in
                    text += String(decoding: data, as: UTF8.self)
                    return text.contains("\n")
                }
                if done { return }
            }
        }
        reader.start()
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let text = collected.withLockedValue { $0 }
            if let line = text.split(separator: "\n").first, text.contains("\n") { return String(line) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "no line from cachemon serve within \(limit)")
    }
}
