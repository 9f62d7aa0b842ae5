import Foundation
import TestSupport

/// A real terminal for the monitor: a detached tmux session, driven with send-keys and read with
/// capture-pane, always killed at the end.
final class TmuxSession: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let name: String

    /// Starts `command` in a new session of `columns`×`rows`; when it ends, the pane shows
    /// `[exited N]` and stays open to be read.
    init(command: String, columns: Int = 120, rows: Int = 40) async throws {
        name = "cachemon-test-\(UInt32.random(in: 0...UInt32.max))"
        let wrapped = "\(command); echo \"[exited $?]\""
        try await Self.tmux(["new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "\(rows)", wrapped])
        do {
            try await Self.tmux(["set-option", "-w", "-t", name, "remain-on-exit", "on"])
        } catch {
            // No object will exist to clean up after us: kill the session (and its program) now.
            _ = try? await Self.tmux(["kill-session", "-t", name])
            throw error
        }
    }

    /// Kills the session (its program gets SIGHUP and restores the terminal).
    func close() async {
        _ = try? await Self.tmux(["kill-session", "-t", name])
    }

    deinit {
        // A last resort when a test failed before close(): never block here on the process.
        // The tmux client must be let finish: killing it with the object would leave the session
        // (and whatever runs in it) behind.
        _ = try? SpawnedProcess(["tmux", "kill-session", "-t", name], killsOnDeinit: false)
    }

    /// The pane's text, one string per row, with the lines scrolled out of view above it: a pane
    /// can scroll a line away when tmux settles its size after a quick program has printed. (The
    /// monitor draws on the alternate screen, which keeps no such lines.)
    func capture() async throws -> String {
        try await Self.tmux(["capture-pane", "-p", "-S", "-", "-t", name])
    }

    func send(_ keys: String...) async throws {
        try await Self.tmux(["send-keys", "-t", name] + keys)
    }

    func resize(columns: Int, rows: Int) async throws {
        try await Self.tmux(["resize-window", "-t", name, "-x", "\(columns)", "-y", "\(rows)"])
    }

    /// Waits for the command to exit and returns its status: from our `[exited N]` line, or from
    /// tmux's own `Pane is dead (status N…)` when Ctrl-C also stopped the shell around the command.
    func waitForExit(seconds: Double = 15) async throws -> Int32 {
        let screen = try await waitFor("the program to exit", seconds: seconds) {
            $0.contains("[exited ") || $0.contains("Pane is dead (status ")
        }
        if let status = screen.firstMatch(of: /\[exited (\d+)\]/).flatMap({ Int32($0.1) }) { return status }
        return screen.firstMatch(of: /Pane is dead \(status (\d+)/).flatMap { Int32($0.1) } ?? -1
    }

    /// Whether the pane is on the alternate screen: a full-screen program that exited without giving
    /// the terminal back leaves it on (and the shell's text lands on it, so the pane alone does not tell).
    func alternateScreenOn() async throws -> Bool {
        let flag = try await Self.tmux(["display-message", "-p", "-t", name, "#{alternate_on}"])
        return flag.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// Waits (at most `seconds`) until the screen satisfies `condition`; returns that screen.
    @discardableResult
    func waitFor(
        _ what: String, seconds: Double = 20, _ condition: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var screen = ""
        while ContinuousClock.now < deadline {
            screen = try await capture()
            if condition(screen) { return screen }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "waited \(seconds) s for \(what); the screen was:\n\(screen)")
    }

    @discardableResult
    static func tmux(_ arguments: [String]) async throws -> String {
        let (status, text) = try await SpawnedProcess.run(
            ["tmux"] + arguments, environment: ["LANG": "C.UTF-8", "TERM": "xterm-256color"], timeLimit: .seconds(10))
        guard status == 0 else {
            throw Failure(description: "tmux \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}
