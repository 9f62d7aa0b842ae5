import CacheAdminAPI
import Foundation

/// A column of the routes view.
struct RouteColumn: Sendable {
    let title: String
    let width: Int
    let sort: RoutesQuery.Sort
    let value: @Sendable (RouteStats) -> String
}

let routeColumns: [RouteColumn] = [
    RouteColumn(title: "HITS", width: 10, sort: .hits) { Format.count($0.hits) },
    RouteColumn(title: "MISSES", width: 9, sort: .misses) { Format.count($0.misses) },
    RouteColumn(title: "HIT%", width: 8, sort: .hitRatio) { Format.percent($0.hitRatio) },
    RouteColumn(title: "KEYS", width: 8, sort: .keys) { Format.count($0.keys) },
    RouteColumn(title: "BYTES", width: 11, sort: .bytes) { Format.bytes($0.bytes) },
    RouteColumn(title: "MISS p50", width: 10, sort: .missCost) { route in
        route.missCostP50Seconds.map(Format.milliseconds) ?? "–"
    },
    RouteColumn(title: "SAVED", width: 10, sort: .saved) { Format.seconds($0.savedSeconds) },
    RouteColumn(title: "STALE", width: 7, sort: .saved) { route in
        route.verifications == 0 ? "–" : Format.count(route.staleVerifications)
    },
]

/// Which endpoint misses: one row per route template, across users.
func renderRoutes(_ screen: inout Screen, _ state: MonitorState, _ layout: Layout, _ painter: Painter) {
    let query = state.routesQuery
    var segments: [(String, CellStyle)] = [
        ("routes \(state.routes.map { Format.count($0.routeCount) } ?? "…")", .bold),
        ("sort \(routeSortName(query.sort)) \(query.order == .descending ? "▼" : "▲")", .plain),
    ]
    if case .routes(let draft?) = state.mode {
        segments.append(("filter \"\(draft)▏\"", painter.style(.yellow, bold: true)))
    } else if let filter = query.filter, !filter.isEmpty {
        segments.append(("filter \"\(filter)\"", painter.style(.yellow, bold: true)))
    }
    if let routes = state.routes {
        segments.append(("saved \(Format.seconds(routes.savedSeconds)) of compute", painter.style(.dim)))
    }
    renderRule(&screen, row: layout.tableTop - 2, segments: segments, painter: painter)
    // The route takes what the figures leave; figures go from the right when the screen is narrow.
    var columns = routeColumns
    while columns.count > 3, screen.size.columns - 2 - columns.reduce(0, { $0 + $1.width }) < 24 {
        columns.removeLast()
    }
    let routeWidth = max(8, screen.size.columns - 2 - columns.reduce(0) { $0 + $1.width })
    var header = screen.write(
        "  " + DisplayWidth.pad("ROUTE", to: routeWidth), row: layout.tableTop - 1, column: 0, style: .bold)
    for column in columns {
        let title = column.sort == query.sort && column.title != "STALE" ? column.title + "▾" : column.title
        header = screen.write(
            DisplayWidth.pad(title, to: column.width, alignRight: true), row: layout.tableTop - 1, column: header,
            style: .bold)
    }
    let rows = layout.footer - 1 - layout.tableTop
    guard let routes = state.routes?.routes, !routes.isEmpty else {
        let text = state.routes == nil ? "  waiting for the routes…" : "  no routes counted yet"
        screen.write(text, row: layout.tableTop, column: 0, style: painter.style(.dim))
        return
    }
    for (index, route) in routes.prefix(rows).enumerated() {
        let row = layout.tableTop + index
        let selected = index == state.routesSelected
        var column = screen.write(selected ? "▶ " : "  ", row: row, column: 0, style: .bold)
        column = screen.write(
            DisplayWidth.pad(DisplayWidth.truncate(route.route, to: routeWidth), to: routeWidth), row: row,
            column: column, style: selected ? painter.style(.normal, reverse: true) : .plain)
        for spec in columns {
            let style: CellStyle =
                spec.title == "STALE" && route.staleVerifications > 0
                ? painter.style(.red, bold: true)
                : spec.title == "HIT%" ? painter.ratio(route.hitRatio) : .plain
            column = screen.write(
                DisplayWidth.pad(spec.value(route), to: spec.width, alignRight: true), row: row, column: column,
                style: style)
        }
    }
}

func routeSortName(_ sort: RoutesQuery.Sort) -> String {
    switch sort {
    case .route: "route"
    case .hits: "hits"
    case .misses: "misses"
    case .hitRatio: "hit%"
    case .keys: "keys"
    case .bytes: "bytes"
    case .missCost: "miss cost"
    case .saved: "saved"
    }
}
