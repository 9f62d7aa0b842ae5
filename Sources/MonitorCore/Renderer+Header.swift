import CacheAdminAPI
import Foundation

func renderHeader(_ screen: inout Screen, _ state: MonitorState, _ painter: Painter) {
    let width = screen.size.columns
    // Row 0: where, what, and whether the figures are current.
    var column = screen.write(" cachemon ", row: 0, column: 0, style: painter.style(.cyan, bold: true))
    column = screen.write(" \(state.configuration.url) ", row: 0, column: column)
    if let snapshot = state.snapshot {
        // A long instance id (`<host>-<pid>-<random>`) must not push the link state off the row.
        let instance = DisplayWidth.truncate(snapshot.instance, to: 24)
        column = screen.write(
            " \(snapshot.backend) · \(instance) ", row: 0, column: column, style: painter.style(.dim))
    }
    let (linkText, linkStyle) = linkDescription(state, painter)
    column = screen.write(" \(linkText) ", row: 0, column: column, style: linkStyle)
    column = screen.write(
        " every \(formatInterval(state.interval))", row: 0, column: column, style: painter.style(.dim))
    if state.paused { screen.write("  ‖ paused", row: 0, column: column, style: painter.style(.yellow, bold: true)) }
    let help = "? help  q quit "
    if width - DisplayWidth.of(help) > column + 1 {
        screen.write(help, row: 0, column: width - DisplayWidth.of(help), style: painter.style(.dim))
    }

    guard let snapshot = state.snapshot else {
        screen.write(" waiting for the first answer from the server…", row: 1, column: 0, style: painter.style(.dim))
        return
    }
    // Row 1: hit ratios, sparkline, traffic and size.
    let history = state.history
    column = screen.write(" hit", row: 1, column: 0, style: .bold)
    for (label, ratio) in [
        ("now", history.ratioNow), ("1m", history.ratio(over: 60)), ("5m", history.ratio(over: 300)),
    ] {
        column = screen.write("  \(label) ", row: 1, column: column, style: painter.style(.dim))
        column = screen.write(Format.percent(ratio), row: 1, column: column, style: painter.ratio(ratio))
    }
    // With near caches: the share of the last minute's hits served from an instance's memory.
    if snapshot.totals[.nearHits] > 0 {
        column = screen.write("  near ", row: 1, column: column, style: painter.style(.dim))
        column = screen.write(Format.percent(history.nearShare(over: 60)), row: 1, column: column)
    }
    let right =
        "req/s \(Format.rate(history.requestsPerSecond))   keys \(Format.count(snapshot.totals.keys))"
        + "   mem \(Format.bytes(snapshot.totals.bytes)) "
    let sparkWidth = min(40, width - column - DisplayWidth.of(right) - 4)
    if sparkWidth >= 5 {
        let series = history.ratioSeries(count: sparkWidth)
        let spark = String(repeating: " ", count: sparkWidth - series.count) + Format.sparkline(series)
        screen.write(spark, row: 1, column: column + 2, style: painter.style(.cyan))
    }
    screen.write(right, row: 1, column: max(column + 1, width - DisplayWidth.of(right)))

    // Row 2: what the cache is throwing away and why (short labels on narrow terminals); for a
    // cache attached by `cachemon attach`, its scan and what is estimated instead.
    let totals = snapshot.totals
    if let attach = snapshot.attach {
        renderAttachRow(&screen, attach, state, painter)
        return
    }
    // Right: what the cache saves, and whether what it serves is still true, when known.
    var figures: [(text: String, style: CellStyle)] = []
    if let saved = savedPerSecond(state) {
        figures.append(("saved \(String(format: "%.1f", saved)) s/s", painter.style(.cyan)))
    }
    if totals[.verifications] > 0 {
        let stale = totals[.staleVerifications]
        let share = 1 - Double(stale) / Double(totals[.verifications])
        let text = "consistent \(Format.percent(share))" + (stale > 0 ? " (\(Format.count(stale)) stale)" : "")
        figures.append((text, stale > 0 ? painter.style(.red, bold: true) : painter.style(.green)))
    }
    // Long labels while they leave room for the figures on the right.
    let figuresWidth = figures.reduce(0) { $0 + DisplayWidth.of($1.text) + 3 }
    let wide = width - figuresWidth >= 100
    let gap = wide ? "   " : "  "
    column = screen.write(" expired/s \(Format.rate(history.rate { $0[.expirations] }))", row: 2, column: 0)
    column = screen.write(gap + "evicted/s \(Format.rate(history.rate { $0[.evictions] }))", row: 2, column: column)
    column = screen.write(
        gap + (wide ? "stale writes rejected " : "stale rejected ") + Format.count(totals[.staleSetsRejected]), row: 2,
        column: column, style: totals[.staleSetsRejected] > 0 ? painter.style(.yellow) : .plain)
    column = screen.write(gap + "purges \(Format.count(totals[.purges]))", row: 2, column: column)
    column = screen.write(
        gap + (wide ? "store errors " : "errors ") + Format.count(totals[.errors]), row: 2, column: column,
        style: totals[.errors] > 0 ? painter.style(.red, bold: true) : .plain)
    if snapshot.circuitOpen {
        column = screen.write(
            "   CIRCUIT OPEN: store skipped", row: 2, column: column, style: painter.style(.red, bold: true))
    }
    let length = figures.reduce(0) { $0 + DisplayWidth.of($1.text) } + DisplayWidth.of(gap) * max(0, figures.count - 1)
    var at = width - length - 1
    guard !figures.isEmpty, at > column + 2 else { return }
    for (index, figure) in figures.enumerated() {
        if index > 0 { at = screen.write(gap, row: 2, column: at) }
        at = screen.write(figure.text, row: 2, column: at, style: figure.style)
    }
}

/// Row 2 for an attached Redis: expirations and purges, how far the scan is, which keys are
/// other, whether notifications arrive, and that per-user hits are estimates when they are.
func renderAttachRow(_ screen: inout Screen, _ attach: AttachStatus, _ state: MonitorState, _ painter: Painter) {
    var column = screen.write(" expired/s \(Format.rate(state.history.rate { $0[.expirations] }))", row: 2, column: 0)
    column = screen.write("  purges \(Format.count(state.snapshot?.totals[.purges] ?? 0))", row: 2, column: column)
    if let activity = attach.activity {
        column = screen.write("  \(activity)", row: 2, column: column, style: painter.style(.yellow, bold: true))
    }
    if let progress = attach.firstScanProgress {
        column = screen.write(
            "  scanning \(Format.percent(progress)) of \(Format.count(attach.redisKeys, "key"))", row: 2,
            column: column, style: painter.style(.yellow, bold: true))
    } else {
        column = screen.write(
            "  scans \(Format.count(attach.passes))" + (attach.scanning ? " (one under way)" : ""), row: 2,
            column: column, style: painter.style(.dim))
    }
    column = screen.write("  other keys \(Format.count(attach.otherKeys))", row: 2, column: column)
    column = screen.write(
        "  events " + (attach.notifications ?? "off"), row: 2, column: column,
        style: attach.notifications == nil ? painter.style(.yellow) : painter.style(.dim))
    if !attach.estimates.isEmpty {
        column = screen.write("  ~ = estimated", row: 2, column: column, style: painter.style(.yellow))
    }
    if !attach.purgeAllowed {
        screen.write("  read-only", row: 2, column: column, style: painter.style(.dim))
    }
}

/// How much later than the interval an answer may come before the header stops saying `● live`.
let liveGraceSeconds: Double = 1

/// `● live`, `● stale for 12s`, `● disconnected, retrying in 4s`.
func linkDescription(_ state: MonitorState, _ painter: Painter) -> (String, CellStyle) {
    switch state.link {
    case .connecting:
        return ("○ connecting", painter.style(.yellow))
    case .failing(_, let retryAt):
        let retry = max(0, Int(retryAt.timeIntervalSince(state.now).rounded(.up)))
        let age = state.lastSuccessAt.map { ", data \(Format.span(state.now.timeIntervalSince($0))) old" } ?? ""
        return ("● disconnected, retrying in \(retry)s\(age)", painter.style(.red, bold: true))
    case .live:
        // Live only while the last answer is as recent as the interval promises (plus a second for
        // the request itself): a server that hangs shows as stale long before its request times out.
        let age = state.lastSuccessAt.map { state.now.timeIntervalSince($0) } ?? 0
        if age > state.interval + liveGraceSeconds, !state.paused {
            return ("● stale for \(Format.span(age))", painter.style(.yellow, bold: true))
        }
        return ("● live", painter.style(.green, bold: true))
    }
}
