import CNCursesW
import MonitorCore

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal under curses: the only code that talks to ncurses. It starts curses, reads keys,
/// copies only the cells that changed since the last frame, and always restores the terminal.
public final class CursesTerminal {
    /// Why the terminal could not be taken over.
    public enum StartError: Error, CustomStringConvertible {
        case notATerminal

        public var description: String {
            switch self {
            case .notATerminal:
                "standard input and output must be a terminal (try running it in one, or use `cachemon stats`)"
            }
        }
    }

    /// What reading the keyboard gave.
    public enum Input: Equatable {
        case key(KeyPress)
        case resized(TerminalSize)
    }

    private let colors: Bool
    private var previous: Screen?
    private var restored = false

    /// Takes over the terminal: UTF-8 locale, no echo, keypad, hidden cursor, colours if any.
    public init(monochrome: Bool) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw StartError.notATerminal }
        setlocale(LC_ALL, "")
        if let codeset = cm_codeset().map({ String(cString: $0) }), codeset != "UTF-8" {
            // Wide characters and box drawing need a UTF-8 locale even when the environment has none.
            setlocale(LC_ALL, "C.UTF-8")
        }
        setenv("ESCDELAY", "25", 0)
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(cm_stdscr(), true)
        curs_set(0)
        TerminalRestorer.shared.install()
        var colors = false
        if !monochrome, has_colors() {
            start_color()
            use_default_colors()
            let pairs: [(CellColor, Int16)] = [
                (.green, Int16(COLOR_GREEN)), (.yellow, Int16(COLOR_YELLOW)), (.red, Int16(COLOR_RED)),
                (.cyan, Int16(COLOR_CYAN)),
            ]
            for (color, foreground) in pairs { init_pair(Int16(color.rawValue), foreground, -1) }
            colors = true
        }
        self.colors = colors
    }

    deinit { restore() }

    /// The size curses knows now.
    public var size: TerminalSize { TerminalSize(columns: Int(cm_getmaxx()), rows: Int(cm_getmaxy())) }

    /// Waits up to `milliseconds` for a key; `nil` if none came.
    public func readInput(timeout milliseconds: Int32) -> Input? {
        _ = cm_timeout(milliseconds)
        var character: wint_t = 0
        let result = cm_get_wch(&character)
        if result == cm_err() { return nil }
        if result == cm_key_code_yes() {
            switch Int32(character) {
            case KEY_RESIZE:
                previous = nil
                return .resized(size)
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_ENTER: return .key(.enter)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_DC: return .key(.delete)
            default: return nil
            }
        }
        switch character {
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)), character >= 32 else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    /// Copies `screen` to the terminal, writing only the rows' spans that changed.
    public func draw(_ screen: Screen) {
        if previous?.size != screen.size {
            _ = cm_clear()
            previous = nil
        }
        for row in 0..<screen.size.rows {
            guard let span = changedSpan(row: row, screen: screen) else { continue }
            _ = cm_move(Int32(row), Int32(span.lowerBound))
            var currentStyle: CellStyle?
            var run = ""
            func flush() {
                guard !run.isEmpty else { return }
                _ = cm_attrset(attributes(currentStyle ?? .plain))
                _ = run.withCString { cm_addnstr($0, -1) }
                run = ""
            }
            for column in span {
                let cell = screen[row, column]
                if cell.text.isEmpty { continue }  // the right half of a wide character
                if cell.style != currentStyle {
                    flush()
                    currentStyle = cell.style
                }
                run += cell.text
            }
            flush()
        }
        _ = cm_attrset(cm_a_normal())
        _ = cm_refresh()
        previous = screen
    }

    /// Gives the terminal back: safe to call more than once.
    public func restore() {
        guard !restored else { return }
        restored = true
        TerminalRestorer.shared.restore()
    }

    /// The columns of `row` that differ from the last frame, widened so no wide character is split.
    private func changedSpan(row: Int, screen: Screen) -> ClosedRange<Int>? {
        guard let previous else { return 0...(screen.size.columns - 1) }
        var first: Int?
        var last = 0
        for column in 0..<screen.size.columns where screen[row, column] != previous[row, column] {
            if first == nil { first = column }
            last = column
        }
        guard var start = first else { return nil }
        while start > 0, screen[row, start].text.isEmpty || previous[row, start].text.isEmpty { start -= 1 }
        var end = last
        while end + 1 < screen.size.columns, screen[row, end + 1].text.isEmpty || previous[row, end + 1].text.isEmpty {
            end += 1
        }
        return start...end
    }

    private func attributes(_ style: CellStyle) -> attr_t {
        var value = cm_a_normal()
        if style.bold { value |= cm_a_bold() }
        if style.reverse { value |= cm_a_reverse() }
        switch style.color {
        case .normal: break
        case .dim: value |= cm_a_dim()
        default: if colors { value |= cm_color_pair(Int32(style.color.rawValue)) }
        }
        return value
    }
}
