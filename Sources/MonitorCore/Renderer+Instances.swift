import CacheAdminAPI
import Foundation

/// A column of the instances view.
struct InstanceColumn: Sendable {
    let title: String
    let width: Int
    /// Columns with a higher number go first when the terminal is narrow.
    let dropOrder: Int
    let alignRight: Bool
    let value: @Sendable (InstanceInfo, Date) -> String
}

let instanceColumns: [InstanceColumn] = [
    InstanceColumn(title: "URL", width: 22, dropOrder: 3, alignRight: false) { instance, _ in instance.url ?? "–" },
    InstanceColumn(title: "VERSION", width: 10, dropOrder: 2, alignRight: false) { instance, _ in instance.version },
    InstanceColumn(title: "UPTIME", width: 7, dropOrder: 2, alignRight: true) { instance, _ in
        Format.duration(instance.uptimeSeconds)
    },
    InstanceColumn(title: "REQ/s", width: 7, dropOrder: 0, alignRight: true) { instance, _ in
        Format.rate(instance.requestsPerSecond)
    },
    InstanceColumn(title: "HITS", width: 10, dropOrder: 1, alignRight: true) { instance, _ in
        Format.count(instance.hits)
    },
    InstanceColumn(title: "MISSES", width: 10, dropOrder: 1, alignRight: true) { instance, _ in
        Format.count(instance.misses)
    },
    InstanceColumn(title: "HIT%", width: 7, dropOrder: 0, alignRight: true) { instance, _ in
        Format.percent(instance.hitRatio)
    },
    InstanceColumn(title: "ERRORS", width: 7, dropOrder: 0, alignRight: true) { instance, _ in
        Format.count(instance.storeErrors)
    },
    InstanceColumn(title: "CIRCUIT", width: 8, dropOrder: 0, alignRight: false) { instance, _ in
        instance.circuitOpen ? "open" : "closed"
    },
    InstanceColumn(title: "SEEN", width: 8, dropOrder: 0, alignRight: true) { instance, now in
        Format.ago(instance.lastSeen, now: now)
    },
    InstanceColumn(title: "STATE", width: 6, dropOrder: 0, alignRight: false) { instance, _ in
        instance.alive ? "alive" : "dead"
    },
]

/// An instance's near cache: hits served from it, and bytes held (`bypass` while it does not
/// follow the store's invalidations); shown when any instance has one.
let nearColumn = InstanceColumn(title: "NEAR", width: 18, dropOrder: 1, alignRight: true) { instance, _ in
    guard let near = instance.near else { return "–" }
    guard near.live else { return "bypass" }
    return "\(Format.count(near.hits)) · \(Format.bytes(near.bytes))"
}

/// The instance columns that fit `width`, keeping at least 14 cells for the id (all of them fit
/// 120; with `near`, the near cache's column too, and the URL goes first).
func visibleInstanceColumns(width: Int, near: Bool = false) -> (id: Int, columns: [InstanceColumn]) {
    var columns = instanceColumns
    if near, let hits = columns.firstIndex(where: { $0.title == "HIT%" }) {
        columns.insert(nearColumn, at: hits + 1)
    }
    for drop in [3, 2, 1] {
        let used = columns.reduce(0) { $0 + $1.width }
        if width - 2 - used >= 14 { break }
        columns.removeAll { $0.dropOrder == drop }
    }
    let used = columns.reduce(0) { $0 + $1.width }
    return (max(4, width - 2 - used), columns)
}

/// The fleet: one row per instance sharing the store. A dead one is dimmed and says `dead`; one
/// whose circuit is open (the store is being skipped) is drawn in red.
func renderInstances(_ screen: inout Screen, _ state: MonitorState, _ layout: Layout, _ painter: Painter) {
    var segments: [(String, CellStyle)] = [("instances", .bold)]
    if let list = state.instances {
        let dead = list.instances.count - list.aliveCount
        segments = [("instances \(list.instances.count) · \(list.aliveCount) alive", .bold)]
        if dead > 0 { segments.append(("\(dead) dead", painter.style(.yellow, bold: true))) }
    }
    renderRule(&screen, row: layout.tableTop - 2, segments: segments, painter: painter)
    let back = " esc back "
    screen.write(
        back, row: layout.tableTop - 2, column: max(0, screen.size.columns - DisplayWidth.of(back)),
        style: painter.style(.dim))

    let near = state.instances?.instances.contains { $0.near != nil } ?? false
    let (idWidth, columns) = visibleInstanceColumns(width: screen.size.columns, near: near)
    var header = screen.write(
        "  " + DisplayWidth.pad("INSTANCE", to: idWidth), row: layout.tableTop - 1, column: 0, style: .bold)
    for column in columns {
        header = screen.write(
            " " + DisplayWidth.pad(column.title, to: column.width - 1, alignRight: column.alignRight),
            row: layout.tableTop - 1, column: header, style: .bold)
    }

    guard let list = state.instances else {
        screen.write("  asking for the instances…", row: layout.tableTop, column: 0, style: painter.style(.dim))
        return
    }
    guard !list.instances.isEmpty else {
        screen.write(
            "  no instance has sent a heartbeat yet", row: layout.tableTop, column: 0, style: painter.style(.dim))
        return
    }
    let rows = layout.footer - 1 - layout.tableTop
    let first = max(0, min(state.instancesScroll, list.instances.count - rows))
    for (index, instance) in list.instances.dropFirst(first).prefix(rows).enumerated() {
        let row = layout.tableTop + index
        let style = instanceStyle(instance, painter)
        var column = screen.write("  " + DisplayWidth.pad(instance.id, to: idWidth), row: row, column: 0, style: style)
        for item in columns {
            let text = item.value(instance, list.serverTime)
            var cellStyle = style
            if item.title == "STATE", instance.alive, !instance.circuitOpen { cellStyle = painter.style(.green) }
            column = screen.write(
                " " + DisplayWidth.pad(text, to: item.width - 1, alignRight: item.alignRight), row: row,
                column: column, style: cellStyle)
        }
    }
}

/// Red and bold for an open circuit, dim for a dead instance (its figures are its last ones).
func instanceStyle(_ instance: InstanceInfo, _ painter: Painter) -> CellStyle {
    if !instance.alive { return painter.style(.dim) }
    if instance.circuitOpen { return painter.style(.red, bold: true) }
    return .plain
}
