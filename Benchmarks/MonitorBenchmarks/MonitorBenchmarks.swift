import Benchmark
import CacheAdminAPI
import Foundation
import MonitorCore

// Figures and the command that produced them are in docs/benchmarks.md.

/// A monitor state as after five minutes on a cache of 10,000 prefixes: 300 samples of history,
/// per-prefix rates for all 10,000 (the user paged through them), 100 events, at 200x60.
func busyState() -> (MonitorState, [StatsSnapshot]) {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    var state = MonitorState(configuration: .init(url: "http://127.0.0.1:8080"), now: start)
    _ = reduce(&state, .resized(TerminalSize(columns: 200, rows: 60)))
    let rows = state.tableRows
    func page(_ offset: Int, _ second: Int) -> StatsSnapshot {
        let prefixes = (offset..<offset + rows).map { index in
            PrefixStats(
                prefix: "api:{u:\(index)}", user: "\(index)", keys: index % 120, bytes: index * 97,
                counters: [.hits: UInt64(index * 50 + second * 10), .misses: UInt64(index + second)],
                expiringSoon: index % 7,
                lastPurgeAt: index % 3 == 0 ? start : nil, generation: UInt64(index))
        }
        return StatsSnapshot(
            serverTime: start.addingTimeInterval(Double(second)), uptimeSeconds: Double(second) + 10,
            backend: "memory", instance: "a1b2", namespace: "api",
            totals: CacheTotals(
                counters: [.hits: UInt64(second * 1_100), .misses: UInt64(second * 100)], keys: 48_210,
                bytes: 64_000_000),
            prefixCount: 10_000, query: StatsQuery(limit: rows, offset: offset), prefixes: prefixes)
    }
    for second in 0..<300 {
        _ = reduce(
            &state, .statsLoaded(page(second * rows % 10_000, second), at: start.addingTimeInterval(Double(second))))
    }
    let events = (1...100).map { seq in
        CacheEvent(
            seq: UInt64(seq), time: start, kind: .expired, prefix: "api:{u:7}", user: "7",
            key: "GET /api/users/7/orders?page=2")
    }
    _ = reduce(&state, .eventsLoaded(EventPage(events: [], dropped: 0, lastSeq: 0, newestSeq: 0)))
    _ = reduce(&state, .eventsLoaded(EventPage(events: events, dropped: 0, lastSeq: 100, newestSeq: 100)))
    return (state, (300..<400).map { page(0, $0) })
}

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "monitor frame: reduce a snapshot + render 200x60, 10,000 prefixes",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds, maxIterations: 2_000),
        closure: { benchmark, setup in
            var (state, snapshots) = setup
            for index in benchmark.scaledIterations {
                let snapshot = snapshots[index % snapshots.count]
                _ = reduce(&state, .statsLoaded(snapshot, at: snapshot.serverTime))
                blackHole(render(state, size: state.size))
            }
        },
        setup: { busyState() })
}
