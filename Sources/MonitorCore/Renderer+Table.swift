import CacheAdminAPI
import Foundation

/// A column of the prefix table.
struct TableColumn: Sendable {
    let title: String
    let width: Int
    let sort: StatsQuery.Sort?
    /// Columns with a higher number go first when the terminal is narrow.
    let dropOrder: Int
    let value: @Sendable (PrefixStats, PrefixRates.Rate?, Date) -> String
}

let prefixColumns: [TableColumn] = [
    TableColumn(title: "KEYS", width: 8, sort: .keys, dropOrder: 0) { prefix, _, _ in Format.count(prefix.keys) },
    TableColumn(title: "BYTES", width: 11, sort: .bytes, dropOrder: 3) { prefix, _, _ in Format.bytes(prefix.bytes) },
    TableColumn(title: "HIT%", width: 8, sort: .hitRatio, dropOrder: 0) { prefix, _, _ in
        Format.percent(prefix.hitRatio)
    },
    TableColumn(title: "HITS/s", width: 9, sort: .hits, dropOrder: 1) { _, rate, _ in Format.rate(rate?.hitsPerSecond)
    },
    TableColumn(title: "MISS/s", width: 9, sort: .misses, dropOrder: 1) { _, rate, _ in
        Format.rate(rate?.missesPerSecond)
    },
    TableColumn(title: "EXPIRING", width: 10, sort: .expiringSoon, dropOrder: 2) { prefix, _, _ in
        Format.count(prefix.expiringSoon)
    },
    TableColumn(title: "LAST PURGE", width: 12, sort: .lastPurge, dropOrder: 2) { prefix, _, now in
        Format.ago(prefix.lastPurgeAt, now: now)
    },
]

/// The columns that fit `width`, keeping at least 12 cells for the user id.
func visibleColumns(width: Int) -> (user: Int, columns: [TableColumn]) {
    var columns = prefixColumns
    for drop in [3, 2, 1] {
        if width - 2 - columns.reduce(0) { $0 + $1.width } >= 12 { break }
        columns.removeAll { $0.dropOrder == drop }
    }
    return (max(4, width - 2 - columns.reduce(0) { $0 + $1.width }), columns)
}

func renderTable(_ screen: inout Screen, _ state: MonitorState, _ layout: Layout, _ painter: Painter) {
    // A partial answer (a filter that ran out of time) counts at least that many.
    let count = state.snapshot.map { ($0.partial ? "≥" : "") + Format.count($0.prefixCount) } ?? "…"
    var segments: [(String, CellStyle)] = [
        ("prefixes \(count)", .bold),
        ("sort \(sortName(state.sort)) \(state.order == .descending ? "▼" : "▲")", .plain),
    ]
    if case .filtering(let draft) = state.mode {
        segments.append(("filter \"\(draft)▏\"", painter.style(.yellow, bold: true)))
    } else if !state.filter.isEmpty {
        segments.append(("filter \"\(state.filter)\"", painter.style(.yellow, bold: true)))
    }
    if let snapshot = state.snapshot, snapshot.prefixCount > layout.tableRows {
        let last = min(snapshot.prefixCount, state.offset + state.page.count)
        segments.append(("\(Format.count(state.offset + 1))–\(Format.count(last))", painter.style(.dim)))
    }
    renderRule(&screen, row: layout.tableTop - 2, segments: segments, painter: painter)

    let (userWidth, columns) = visibleColumns(width: screen.size.columns)
    var column = screen.write(
        "  " + DisplayWidth.pad("USER", to: userWidth), row: layout.tableTop - 1, column: 0, style: .bold)
    for item in columns {
        let sorted = item.sort == state.sort
        column = screen.write(
            DisplayWidth.pad(item.title, to: item.width, alignRight: true), row: layout.tableTop - 1, column: column,
            style: sorted ? painter.style(.cyan, bold: true) : .bold)
    }

    guard let snapshot = state.snapshot else { return }
    if snapshot.prefixes.isEmpty {
        let message =
            state.filter.isEmpty ? "no prefixes yet: nothing has been cached" : "no user matches \"\(state.filter)\""
        screen.write("  " + message, row: layout.tableTop, column: 0, style: painter.style(.dim))
        return
    }
    for (index, prefix) in snapshot.prefixes.prefix(layout.tableRows).enumerated() {
        let row = layout.tableTop + index
        let isSelected = index == state.selectedRow
        let user = prefix.user ?? "(public)"
        var column = screen.write(isSelected ? "▶ " : "  ", row: row, column: 0, style: .bold)
        column = screen.write(DisplayWidth.pad(user, to: userWidth), row: row, column: column)
        let rate = state.prefixRates[prefix.prefix]
        for item in columns {
            let style = item.title == "HIT%" ? painter.ratio(prefix.hitRatio) : CellStyle.plain
            var text = item.value(prefix, rate, snapshot.serverTime)
            if let attach = snapshot.attach, item.title == "HIT%" || item.title == "HITS/s" {
                // An attached Redis tells hits per user only when they are sampled: then they are
                // estimates (marked ~), otherwise unknown (–), never a misleading 0%.
                text = attach.estimates.isEmpty ? "–" : text == "–" ? text : "~" + text
            }
            column = screen.write(
                DisplayWidth.pad(text, to: item.width, alignRight: true), row: row, column: column,
                style: prefixHitsUnknown(snapshot) && item.title == "HIT%" ? .plain : style)
        }
        if isSelected { screen.reverse(row: row) }
    }
}

/// Whether an attached Redis's hits per user are unknown (not sampled).
private func prefixHitsUnknown(_ snapshot: StatsSnapshot) -> Bool { snapshot.attach?.estimates.isEmpty ?? false }

func renderEvents(_ screen: inout Screen, _ state: MonitorState, _ layout: Layout, _ painter: Painter) {
    renderRule(&screen, row: layout.eventsTitle, segments: [("events", .bold)], painter: painter)
    guard !state.events.isEmpty else {
        screen.write("  no events yet", row: layout.eventsTop, column: 0, style: painter.style(.dim))
        return
    }
    for (index, event) in state.events.prefix(layout.eventRows).enumerated() {
        let row = layout.eventsTop + index
        let (name, style) = eventKind(event.kind, painter)
        var column = screen.write(
            "  " + Format.clock(event.time, timeZone: state.configuration.timeZone) + "  ", row: row, column: 0,
            style: painter.style(.dim))
        column = screen.write(DisplayWidth.pad(name, to: 22), row: row, column: column, style: style)
        let who = event.user.map { "user \($0)" } ?? (event.prefix == nil ? "" : "public")
        column = screen.write(DisplayWidth.pad(who, to: 14) + " ", row: row, column: column)
        screen.write(eventDetail(event), row: row, column: column)
    }
}

func eventKind(_ kind: CacheEvent.Kind, _ painter: Painter) -> (String, CellStyle) {
    switch kind {
    case .expired: ("expired", painter.style(.dim))
    case .evicted: ("evicted", painter.style(.yellow))
    case .purged: ("purged", painter.style(.cyan, bold: true))
    case .staleSetRejected: ("stale write rejected", painter.style(.yellow, bold: true))
    case .storeError: ("store error", painter.style(.red, bold: true))
    case .stored: ("stored", painter.style(.green))
    case .firstHit: ("first hit", .plain)
    case .verified: ("verified", painter.style(.cyan))
    case .staleHit: ("STALE hit", painter.style(.red, bold: true))
    }
}

func eventDetail(_ event: CacheEvent) -> String {
    switch event.kind {
    case .purged:
        let time = event.durationSeconds.map { "   " + Format.milliseconds($0) } ?? ""
        let reason = event.reason.map { "   " + $0 } ?? ""
        return Format.count(event.count ?? 0, "key") + time + reason
    case .storeError:
        return event.message ?? ""
    case .verified:
        return event.message ?? ""
    default:
        return event.key ?? ""
    }
}

func sortName(_ sort: StatsQuery.Sort) -> String {
    switch sort {
    case .user: "user"
    case .keys: "keys"
    case .bytes: "bytes"
    case .hits: "hits"
    case .misses: "misses"
    case .hitRatio: "hit%"
    case .expiringSoon: "expiring"
    case .lastPurge: "last purge"
    }
}
