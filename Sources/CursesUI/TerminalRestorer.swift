import CNCursesW
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Makes sure the terminal is given back however the program ends: normal return, `exit`, or
/// SIGINT/SIGTERM/SIGHUP (the signal is noted and the loop stops; the terminal is restored before
/// the process goes).
public final class TerminalRestorer: Sendable {
    public static let shared = TerminalRestorer()

    private let active = Atomic<Bool>(false)
    private let installed = Atomic<Bool>(false)

    /// The signal that asked the program to stop, or 0.
    public var pendingSignal: Int32 { receivedSignal.load(ordering: .relaxed) }

    func install() {
        active.store(true, ordering: .relaxed)
        guard !installed.exchange(true, ordering: .relaxed) else { return }
        atexit { TerminalRestorer.shared.restore() }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { number in receivedSignal.store(number, ordering: .relaxed) }
        }
    }

    /// Ends curses if it is running.
    public func restore() {
        guard active.exchange(false, ordering: .relaxed) else { return }
        _ = cm_attrset(cm_a_normal())
        curs_set(1)
        endwin()
    }
}

/// Set from a signal handler, so it must be a plain atomic global.
let receivedSignal = Atomic<Int32>(0)
