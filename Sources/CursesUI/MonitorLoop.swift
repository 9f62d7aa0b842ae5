import Foundation
import MonitorCore

/// The monitor's main loop on a curses terminal: keys and answers in, frames out.
public enum MonitorLoop {
    /// Runs until `q`, Ctrl-C, SIGTERM or SIGHUP, then restores the terminal. Blocks the calling
    /// thread (curses must be driven from one thread).
    public static func run(state initial: MonitorState, runner: EffectRunner, queue: ActionQueue) throws {
        let terminal = try CursesTerminal(monochrome: initial.configuration.monochrome)
        defer { terminal.restore() }
        var state = initial
        var running = true
        func apply(_ action: Action) {
            for effect in reduce(&state, action) {
                if effect == .quit { running = false } else { runner.run(effect) }
            }
        }
        apply(.resized(terminal.size))
        apply(.tick(Date()))
        while running, TerminalRestorer.shared.pendingSignal == 0 {
            terminal.draw(render(state, size: terminal.size))
            switch terminal.readInput(timeout: 100) {
            case .key(let key): apply(.key(key, at: Date()))
            case .resized(let size): apply(.resized(size))
            case nil: break
            }
            for action in queue.drain() { apply(action) }
            apply(.tick(Date()))
        }
    }

    /// Runs the loop on its own thread and returns when it ends.
    public static func runDetached(state: MonitorState, runner: EffectRunner, queue: ActionQueue) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try run(state: state, runner: runner, queue: queue)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "cachemon-ui"
            thread.start()
        }
    }
}
