import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with posix_spawn and waited for with waitpid, never blocking the
/// concurrency pool. Its output goes to a file, not a pipe: a daemon it starts (the tmux server)
/// would otherwise hold the pipe open for ever.
public final class SpawnedProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    let outputFile: URL
    private let inputFile: URL?
    private let status = NIOLockedValueBox<Int32?>(nil)
    /// Whether dropping the object kills a process still running (the default), or lets it finish.
    private let killsOnDeinit: Bool

    /// Starts `arguments[0]` (looked up in PATH) with the other arguments.
    ///
    /// - Parameter killsOnDeinit: false for a short command that must finish even when nobody
    ///   waits for it (a clean-up from a `deinit`).
    public init(
        _ arguments: [String], environment overrides: [String: String] = [:], input: String? = nil,
        killsOnDeinit: Bool = true
    ) throws {
        self.killsOnDeinit = killsOnDeinit
        let directory = FileManager.default.temporaryDirectory
        let token = UInt64.random(in: 0...UInt64.max)
        outputFile = directory.appendingPathComponent("cachemon-test-\(token).out")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        if let input {
            let file = directory.appendingPathComponent("cachemon-test-\(token).in")
            FileManager.default.createFile(atPath: file.path, contents: Data(input.utf8))
            inputFile = file
        } else {
            inputFile = nil
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputFile?.path ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in overrides { environment[key] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // The child starts with no signal blocked and default handlers: a test process blocks signals
        // for its own threads, and a tmux server that inherited that mask would pass it on to
        // every program in its panes, which could then not be stopped with SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure(description: "cannot start \(arguments[0]): error \(result)") }
        self.pid = pid
    }

    deinit {
        if killsOnDeinit, exitStatus() == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
        try? FileManager.default.removeItem(at: outputFile)
        if let inputFile { try? FileManager.default.removeItem(at: inputFile) }
    }

    /// Everything the process wrote so far.
    public var output: String {
        (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
    }

    /// The exit status once it has exited (128 + n for a signal), without waiting.
    public func exitStatus() -> Int32? {
        status.withLockedValue { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == -1, errno == ECHILD {
                // Someone else reaped it: it has exited, with a status nobody can know now.
                status = -1
                return status
            }
            guard result == pid else { return nil }
            status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            return status
        }
    }

    /// Waits for the exit; kills the process and throws past the time limit.
    @discardableResult
    public func wait(timeLimit: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeLimit
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        throw Failure(description: "process \(pid) ran over \(timeLimit); it wrote:\n\(output)")
    }

    public func signal(_ number: Int32) { if exitStatus() == nil { kill(pid, number) } }

    /// Runs a program to completion and returns its status and output.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
        timeLimit: Duration = .seconds(30)
    ) async throws -> (status: Int32, output: String) {
        let process = try SpawnedProcess(arguments, environment: environment, input: input)
        let status = try await process.wait(timeLimit: timeLimit)
        return (status, process.output)
    }
}
