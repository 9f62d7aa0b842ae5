import CacheAdminAPI
import Foundation

func renderFooter(_ screen: inout Screen, _ state: MonitorState, _ layout: Layout, _ painter: Painter) {
    screen.fill(row: layout.rule, with: "─", style: painter.style(.dim))
    let hints: String
    switch state.mode {
    case .filtering(let draft):
        hints = " filter users: \(draft)▏  ⏎ apply  esc clear"
    case .jumping(let draft):
        hints = " jump to user: \(draft)▏  ⏎ go  esc cancel"
    case .keys:
        hints =
            state.configuration.readOnly
            ? " esc back  ↑↓ scroll  v verify  R refresh" : " esc back  ↑↓ scroll  v verify  d purge  R refresh"
    case .instances:
        hints = " esc back  ↑↓ scroll  R refresh"
    case .routes(let draft?):
        hints = " filter routes: \(draft)▏  ⏎ apply  esc cancel"
    case .routes:
        hints = " esc back  ↑↓ move  s sort  r reverse  / filter  R refresh"
    default:
        // `r reverse` is in the help: its place went to `i`, so the status keeps its room.
        hints =
            (state.configuration.readOnly ? " read-only" : " d purge")
            + "  ⏎ keys  t routes  i instances  / filter  g user  s sort  ␣ pause"
    }
    let column = screen.write(hints, row: layout.footer, column: 0, style: painter.style(.dim))
    guard let status = state.status else { return }
    let style: CellStyle =
        switch status.kind {
        case .info: .plain
        case .success: painter.style(.green, bold: true)
        case .error: painter.style(.red, bold: true)
        }
    let available = screen.size.columns - column - 2
    guard available > 8 else {
        // Narrow terminal: the status matters more than the hints.
        screen.fill(row: layout.footer)
        screen.write(
            " " + DisplayWidth.truncate(status.text, to: screen.size.columns - 2), row: layout.footer, column: 0,
            style: style)
        return
    }
    let text = DisplayWidth.truncate(status.text, to: available) + " "
    screen.write(text, row: layout.footer, column: screen.size.columns - DisplayWidth.of(text), style: style)
}

/// A box drawn over the screen's centre, with a title in its top border.
func renderBox(_ screen: inout Screen, title: String, lines: [(String, CellStyle)], width wanted: Int, painter: Painter)
{
    let width = min(wanted, screen.size.columns - 2)
    let height = lines.count + 2
    let top = max(0, (screen.size.rows - height) / 2)
    let left = max(0, (screen.size.columns - width) / 2)
    let border = painter.style(.cyan, bold: true)
    let titleText = DisplayWidth.truncate(" \(title) ", to: width - 3)
    let topLine = "┌" + titleText + String(repeating: "─", count: max(0, width - 2 - DisplayWidth.of(titleText))) + "┐"
    screen.write(topLine, row: top, column: left, style: border)
    for (index, (text, style)) in lines.enumerated() {
        let row = top + 1 + index
        screen.write("│", row: row, column: left, style: border)
        screen.write(" " + DisplayWidth.pad(text, to: width - 3), row: row, column: left + 1, style: style)
        screen.write("│", row: row, column: left + width - 1, style: border)
    }
    screen.write(
        "└" + String(repeating: "─", count: max(0, width - 2)) + "┘", row: top + height - 1, column: left, style: border
    )
}

func renderConfirmation(_ screen: inout Screen, _ prefix: PrefixStats, _ painter: Painter) {
    renderBox(
        &screen, title: "Purge \(describe(prefix))?",
        lines: [
            ("prefix   \(prefix.prefix)", .plain),
            ("\(Format.count(prefix.keys, "key")), \(Format.bytes(prefix.bytes)) will be removed.", .bold),
            ("Computations in flight will not be stored.", .plain),
            ("", .plain),
            ("       y  purge        any other key  cancel", painter.style(.yellow, bold: true)),
        ], width: 50, painter: painter)
}

func renderHelp(_ screen: inout Screen, _ state: MonitorState, _ painter: Painter) {
    let keys: [(String, String)] = [
        ("q", "quit"), ("?", "this help"), ("↑ ↓  j k", "move"), ("PgUp PgDn Home End", "page, first, last"),
        ("/", "filter users (esc clears)"), ("g", "jump to a user by id"), ("s", "next sort column"),
        ("r", "reverse the order"), ("+ -", "refresh interval"), ("space", "pause"), ("R", "refresh now"),
        ("⏎", "keys and timeline of a user"), ("v", "verify its keys (keys view)"),
        ("t", "routes: which endpoint misses"), ("i", "instances of the fleet"), ("esc", "back"),
        ("d  Delete", state.configuration.readOnly ? "purge (disabled: --read-only)" : "purge the selected user"),
    ]
    let lines =
        keys.map { (DisplayWidth.pad($0.0, to: 20) + $0.1, CellStyle.plain) } + [
            ("", .plain), ("any key closes", painter.style(.dim)),
        ]
    renderBox(&screen, title: "Keys", lines: lines, width: 52, painter: painter)
}
