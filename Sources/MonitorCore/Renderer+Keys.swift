import CacheAdminAPI
import Foundation

/// The stale-data diagnosis screen: how old each entry of a user is and when it was last invalidated.
func renderKeys(_ screen: inout Screen, _ state: MonitorState, _ layout: Layout, _ painter: Painter, prefix: String) {
    let stats = state.page.first { $0.prefix == prefix }
    var title = [stats.map(describe) ?? prefix, prefix]
    if let stats {
        title += [
            "generation \(stats.generation)",
            "last purge \(Format.ago(stats.lastPurgeAt, now: state.snapshot?.serverTime ?? state.now))",
            Format.count(stats.keys, "key"), "hit \(Format.percent(stats.hitRatio))",
        ]
    }
    screen.fill(row: layout.tableTop - 2, with: "─", style: painter.style(.dim))
    let column = screen.write(
        " " + title.joined(separator: " · ") + " ", row: layout.tableTop - 2, column: 0, style: .bold)
    let back = " esc back "
    if screen.size.columns - DisplayWidth.of(back) > column {
        screen.write(
            back, row: layout.tableTop - 2, column: screen.size.columns - DisplayWidth.of(back),
            style: painter.style(.dim))
    }

    let verified = state.verification.map { report in
        Dictionary(report.results.map { ($0.key, $0.state) }, uniquingKeysWith: { first, _ in first })
    }
    var fixed = [("SIZE", 10), ("AGE", 9), ("TTL LEFT", 10), ("HITS", 8), ("GEN", 6)]
    if verified != nil { fixed.append(("STATE", 8)) }
    let keyWidth = max(10, screen.size.columns - 2 - fixed.reduce(0) { $0 + $1.1 })
    var header = screen.write(
        "  " + DisplayWidth.pad("ROUTE KEY", to: keyWidth), row: layout.tableTop - 1, column: 0, style: .bold)
    for (title, width) in fixed {
        header = screen.write(
            DisplayWidth.pad(title, to: width, alignRight: true), row: layout.tableTop - 1, column: header, style: .bold
        )
    }
    let area = layout.footer - 1 - layout.tableTop
    // Once there is room for both, the timeline follows the keys: it keeps at least half the area
    // when the keys need more, and takes what the keys leave when they are few.
    var rows = area
    if area >= 8, !state.timeline.isEmpty {
        rows = min(max(state.keys.count, 1) + 1, area - min(state.timeline.count + 1, area / 2))
        let timelineRows = min(state.timeline.count + 1, area - rows)
        renderTimeline(&screen, state, painter, top: layout.tableTop + rows, rows: timelineRows)
    }
    guard !state.keys.isEmpty else {
        screen.write("  no live entries", row: layout.tableTop, column: 0, style: painter.style(.dim))
        return
    }
    let first = max(0, min(state.keysScroll, state.keys.count - rows))
    for (index, key) in state.keys.dropFirst(first).prefix(rows).enumerated() {
        let row = layout.tableTop + index
        let stale = stats.map { key.generation != $0.generation } ?? false
        var column = screen.write(first + index == state.keysScroll ? "▶ " : "  ", row: row, column: 0, style: .bold)
        column = screen.write(DisplayWidth.pad(key.key, to: keyWidth), row: row, column: column)
        var values = [
            Format.bytes(key.size), Format.duration(key.ageSeconds), Format.duration(key.ttlLeftSeconds),
            Format.count(key.hits), "\(key.generation)",
        ]
        let state = verified.map { $0[key.key] }
        if let state { values.append(verificationLabel(state)) }
        for ((title, width), value) in zip(fixed, values) {
            let style: CellStyle =
                switch title {
                case "GEN" where stale: painter.style(.red, bold: true)
                case "STATE" where state == .stale: painter.style(.red, bold: true)
                case "STATE" where state == .fresh: painter.style(.green)
                default: .plain
                }
            column = screen.write(
                DisplayWidth.pad(value, to: width, alignRight: true), row: row, column: column, style: style)
        }
    }
}

/// The prefix's latest events under its keys, newest first: a separator row, then one event a row.
func renderTimeline(_ screen: inout Screen, _ state: MonitorState, _ painter: Painter, top: Int, rows: Int) {
    screen.fill(row: top, with: "─", style: painter.style(.dim))
    screen.write(" timeline, newest first ", row: top, column: 1, style: painter.style(.dim))
    for (index, event) in state.timeline.prefix(rows - 1).enumerated() {
        let row = top + 1 + index
        var column = screen.write(
            "  " + Format.clock(event.time, timeZone: state.configuration.timeZone) + "  ", row: row, column: 0,
            style: painter.style(.dim))
        let (name, style) = eventKind(event.kind, painter)
        column = screen.write(DisplayWidth.pad(name, to: 22), row: row, column: column, style: style)
        let generation = event.generation.map { "gen \($0)" } ?? ""
        column = screen.write(DisplayWidth.pad(generation, to: 14) + " ", row: row, column: column)
        screen.write(timelineDetail(event), row: row, column: column)
    }
}

/// What a timeline row says after the kind and generation: the route, or for a purge, how many
/// keys went, why and who asked.
func timelineDetail(_ event: CacheEvent) -> String {
    guard event.kind == .purged else { return eventDetail(event) }
    var parts = [Format.count(event.count ?? 0, "key")]
    if let reason = event.reason { parts.append(reason) }
    if let origin = event.origin {
        parts.append("by " + origin + (event.instance.map { " on \($0)" } ?? ""))
    }
    return parts.joined(separator: " · ")
}

/// The STATE column: `fresh`, `STALE` (in capitals: it is the finding), `error`, `n/a`, or blank for
/// an entry stored since the verification.
func verificationLabel(_ state: VerifyResult.State??) -> String {
    switch state {
    case .some(.some(.fresh)): "fresh"
    case .some(.some(.stale)): "STALE"
    case .some(.some(.error)): "error"
    case .some(.some(.unverifiable)): "n/a"
    default: ""
    }
}
