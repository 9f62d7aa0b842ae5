import CacheAdminAPI
import Foundation

/// Draws the state into a screen of `size`. Pure: the same state and size give the same screen,
/// which is what the golden tests compare.
public func render(_ state: MonitorState, size: TerminalSize) -> Screen {
    var screen = Screen(size: size)
    let layout = Layout(size: size)
    guard layout.fits else {
        renderTooSmall(&screen)
        return screen
    }
    let painter = Painter(monochrome: state.configuration.monochrome)
    renderHeader(&screen, state, painter)
    if case .keys(let prefix) = state.mode {
        renderKeys(&screen, state, layout, painter, prefix: prefix)
    } else if state.mode == .instances {
        renderInstances(&screen, state, layout, painter)
    } else if case .routes = state.mode {
        renderRoutes(&screen, state, layout, painter)
    } else {
        renderTable(&screen, state, layout, painter)
        renderEvents(&screen, state, layout, painter)
    }
    renderFooter(&screen, state, layout, painter)
    switch state.mode {
    case .confirmingPurge(let prefix): renderConfirmation(&screen, prefix, painter)
    case .help: renderHelp(&screen, state, painter)
    default: break
    }
    return screen
}

/// Maps colours to styles, dropping colour in monochrome mode (bold and reverse stay).
struct Painter {
    let monochrome: Bool

    func style(_ color: CellColor, bold: Bool = false, reverse: Bool = false) -> CellStyle {
        CellStyle(color: monochrome ? .normal : color, bold: bold, reverse: reverse)
    }

    /// Green when healthy, yellow when middling, red when low; bold in monochrome so it still stands out.
    func ratio(_ ratio: Double?) -> CellStyle {
        guard let ratio else { return style(.dim) }
        if ratio < 0.5 { return style(.red, bold: true) }
        if ratio < 0.8 { return style(.yellow, bold: monochrome) }
        return style(.green)
    }
}

private func renderTooSmall(_ screen: inout Screen) {
    let lines = ["terminal too small", "need \(Layout.minimum.columns)x\(Layout.minimum.rows)"]
    let top = max(0, screen.size.rows / 2 - 1)
    for (index, line) in lines.enumerated() where top + index < screen.size.rows {
        let text = DisplayWidth.truncate(line, to: screen.size.columns)
        let column = max(0, (screen.size.columns - DisplayWidth.of(text)) / 2)
        screen.write(text, row: top + index, column: column, style: .bold)
    }
}

/// A horizontal rule with titled segments: `─ prefixes 10,000 ─ sort hits ▼ ─────`.
func renderRule(_ screen: inout Screen, row: Int, segments: [(String, CellStyle)], painter: Painter) {
    screen.fill(row: row, with: "─", style: painter.style(.dim))
    var column = 0
    for (text, style) in segments {
        column = screen.write("─ ", row: row, column: column, style: painter.style(.dim))
        column = screen.write(text, row: row, column: column, style: style)
        column = screen.write(" ", row: row, column: column)
    }
}
