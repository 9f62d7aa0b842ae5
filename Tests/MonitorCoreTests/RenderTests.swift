import CacheAdminAPI
import Foundation
import Testing

@testable import MonitorCore

/// Screens compared as text with files in Golden/. `UPDATE_GOLDEN=1 swift test` rewrites them
/// (then read the diff before committing it).
@Suite("Rendering")
struct RenderTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Golden")

    func expectGolden(_ screen: Screen, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = Self.goldenDirectory.appendingPathComponent(name + ".txt")
        let text = screen.text + "\n"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "screen \(name) differs from Golden/\(name).txt", sourceLocation: sourceLocation)
    }

    @Test("the main screen at 120x40")
    func main120x40() throws {
        let state = Fixtures.liveState()
        try expectGolden(render(state, size: state.size), "main-120x40")
    }

    @Test("the main screen at 80x24 drops columns but keeps user, keys and hit ratio")
    func main80x24() throws {
        let state = Fixtures.liveState(size: TerminalSize(columns: 80, rows: 24))
        let screen = render(state, size: state.size)
        try expectGolden(screen, "main-80x24")
        #expect(screen.lines.allSatisfy { DisplayWidth.of($0) == 80 })
    }

    @Test("a 20x5 terminal says it is too small instead of crashing")
    func tiny() throws {
        let state = Fixtures.liveState(size: TerminalSize(columns: 20, rows: 5))
        try expectGolden(render(state, size: state.size), "too-small-20x5")
        for columns in 0..<45 {
            for rows in 0..<12 { _ = render(state, size: TerminalSize(columns: columns, rows: rows)) }
        }
    }

    @Test("wide characters in a user id keep the columns aligned")
    func wideCharacters() {
        let state = Fixtures.liveState()
        let lines = render(state, size: state.size).lines
        let rows = lines.filter { $0.contains("日本") || $0.contains("  142 ") }
        #expect(rows.count == 2)
        let keysEnd = rows.map { line -> Int in
            let prefix = line[..<(line.range(of: "KiB")?.lowerBound ?? line.endIndex)]
            return DisplayWidth.of(prefix)
        }
        #expect(keysEnd[0] == keysEnd[1], "the BYTES column starts at the same cell on both rows")
    }

    @Test("the keys view shows age, time left and generation of each entry")
    func keysView() throws {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.enter, at: Fixtures.start.addingTimeInterval(1)))
        _ = reduce(
            &state,
            .keysLoaded(
                prefix: "api:{u:42}",
                [
                    KeyInfo(
                        key: "GET /api/users/42/dashboard/summary", size: 10_035, ageSeconds: 134, ttlLeftSeconds: 166,
                        hits: 212, generation: 7),
                    KeyInfo(
                        key: "GET /api/users/42/orders?page=1", size: 4_198, ageSeconds: 51, ttlLeftSeconds: 249,
                        hits: 37, generation: 7),
                ]))
        try expectGolden(render(state, size: state.size), "keys-120x40")
    }

    @Test("the keys view shows the user's timeline under the keys, newest first, with the purge's reason")
    func keysTimeline() throws {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.enter, at: Fixtures.start.addingTimeInterval(1)))
        let route = "GET /api/users/42/dashboard/summary"
        _ = reduce(
            &state,
            .keysLoaded(
                prefix: "api:{u:42}",
                [KeyInfo(key: route, size: 10_035, ageSeconds: 12, ttlLeftSeconds: 288, hits: 0, generation: 8)]))
        let at = { (seconds: Double) in Fixtures.start.addingTimeInterval(seconds) }
        let purge = PurgeReason(reason: "order created", origin: "application", instance: "web-1")
        _ = reduce(
            &state,
            .timelineLoaded(
                prefix: "api:{u:42}",
                [
                    CacheEvent(
                        seq: 0, time: at(-12), kind: .stored, prefix: "api:{u:42}", user: "42", key: route,
                        generation: 8),
                    CacheEvent(
                        seq: 9, time: at(-13), kind: .purged, prefix: "api:{u:42}", user: "42", count: 2,
                        durationSeconds: 0.0004, generation: 8, reason: purge),
                    CacheEvent(
                        seq: 0, time: at(-70), kind: .firstHit, prefix: "api:{u:42}", user: "42", key: route,
                        generation: 7),
                    CacheEvent(
                        seq: 0, time: at(-74), kind: .stored, prefix: "api:{u:42}", user: "42", key: route,
                        generation: 7),
                ]))
        let screen = render(state, size: state.size)
        try expectGolden(screen, "keys-timeline-120x40")
        let lines = screen.text.split(separator: "\n").map(String.init)
        let purged = try #require(lines.firstIndex { $0.contains("purged") && $0.contains("gen 8") })
        let stored = try #require(lines.firstIndex { $0.contains("stored") && $0.contains("gen 8") })
        #expect(stored < purged, "newest first")
        #expect(lines[purged].contains("2 keys · order created · by application on web-1"))
    }

    @Test("v verifies the user's keys, read-only too: a STATE column says fresh or STALE, the status sums up")
    func verification() throws {
        var state = Fixtures.liveState()
        state.configuration.readOnly = true
        _ = reduce(&state, .key(.enter, at: Fixtures.start.addingTimeInterval(1)))
        let summary = "GET /api/users/42/dashboard/summary"
        let orders = "GET /api/users/42/orders?page=1"
        _ = reduce(
            &state,
            .keysLoaded(
                prefix: "api:{u:42}",
                [
                    KeyInfo(key: summary, size: 10_035, ageSeconds: 134, ttlLeftSeconds: 166, hits: 212, generation: 7),
                    KeyInfo(key: orders, size: 4_198, ageSeconds: 51, ttlLeftSeconds: 249, hits: 37, generation: 7),
                ]))
        #expect(
            reduce(&state, .key(.character("v"), at: Fixtures.start.addingTimeInterval(2))) == [
                .verify(prefix: "api:{u:42}")
            ])
        #expect(reduce(&state, .key(.character("v"), at: Fixtures.start.addingTimeInterval(2))) == [], "one at a time")
        let report = VerifyReport(
            prefix: "api:{u:42}", user: "42",
            results: [
                VerifyResult(key: summary, state: .stale, ageSeconds: 134, generation: 7),
                VerifyResult(key: orders, state: .fresh, ageSeconds: 51, generation: 7),
            ], skipped: 0, truncated: false, timedOut: false, durationSeconds: 0.012)
        _ = reduce(
            &state, .verifyFinished(prefix: "api:{u:42}", .success(report), at: Fixtures.start.addingTimeInterval(3)))
        let screen = render(state, size: state.size)
        try expectGolden(screen, "keys-verified-120x40")
        let lines = screen.text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains(summary) && $0.hasSuffix("STALE") })
        #expect(lines.contains { $0.contains(orders) && $0.hasSuffix("fresh") })
        #expect(lines.contains { $0.contains("STATE") })
        #expect(screen.text.contains("verified user 42: 1 fresh, 1 stale"))
    }

    @Test("the purge confirmation names the user, the prefix, and how many keys and bytes go")
    func confirmation() throws {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character("d"), at: Fixtures.start.addingTimeInterval(1)))
        let screen = render(state, size: state.size)
        try expectGolden(screen, "purge-confirmation-120x40")
        #expect(screen.text.contains("Purge user 42?") && screen.text.contains("118 keys, 1.2 MiB will be removed."))
    }

    @Test("disconnected: the last data stays on screen and the header says when it retries")
    func disconnected() throws {
        var state = Fixtures.liveState()
        _ = reduce(&state, .tick(Fixtures.start.addingTimeInterval(2)))
        _ = reduce(
            &state,
            .statsFailed(
                .cannotConnect(url: "http://127.0.0.1:8080", reason: "connection refused"),
                at: Fixtures.start.addingTimeInterval(6)))
        _ = reduce(&state, .tick(Fixtures.start.addingTimeInterval(6.2)))
        let screen = render(state, size: state.size)
        try expectGolden(screen, "disconnected-120x40")
        #expect(screen.lines[0].contains("disconnected, retrying in 1s, data 5s old"))
        #expect(screen.text.contains("▶ 42"), "the last data is still there")
    }

    @Test("the header says live only while the last answer is at most the interval and a second old")
    func staleHeader() {
        var state = Fixtures.liveState()  // every 1 s, the last answer at start + 1 s
        _ = reduce(&state, .tick(Fixtures.start.addingTimeInterval(2.9)))  // a poll is in flight, unanswered
        #expect(render(state, size: state.size).lines[0].contains("● live"))
        _ = reduce(&state, .tick(Fixtures.start.addingTimeInterval(3.2)))
        let header = render(state, size: state.size).lines[0]
        #expect(header.contains("● stale for 2s"))
        #expect(!header.contains("live"))
    }

    @Test("with near caches, the header shows the share of hits served from an instance's memory")
    func nearShare() {
        var state = Fixtures.liveState()
        #expect(!render(state, size: state.size).lines[1].contains("near"), "no near cache, no share")
        // Near caches from the third second: 600 of its 870 hits, then 904 of the next 1,130; over
        // the last minute (from the first sample) 1,504 of 3,130 hits.
        var first = Fixtures.snapshot(at: 2, hits: 12_000, misses: 1_100, prefixes: [])
        first.totals[.nearHits] = 600
        var second = Fixtures.snapshot(at: 3, hits: 13_130, misses: 1_170, prefixes: [])
        second.totals[.nearHits] = 1_504
        _ = reduce(&state, .statsLoaded(first, at: Fixtures.start.addingTimeInterval(2)))
        _ = reduce(&state, .statsLoaded(second, at: Fixtures.start.addingTimeInterval(3)))
        let header = render(state, size: state.size).lines[1]
        #expect(header.contains("near 48.1%"), "\(header)")
    }

    @Test("help lists every key beside what it does, lines the main screen does not have")
    func help() {
        var state = Fixtures.liveState()
        let main = render(state, size: state.size).text
        _ = reduce(&state, .key(.character("?"), at: Fixtures.start))
        let help = render(state, size: state.size).text
        let entries = [
            ("q", "quit"), ("?", "this help"), ("↑ ↓  j k", "move"), ("PgUp PgDn Home End", "page, first, last"),
            ("/", "filter users (esc clears)"), ("g", "jump to a user by id"), ("s", "next sort column"),
            ("r", "reverse the order"), ("+ -", "refresh interval"), ("space", "pause"), ("R", "refresh now"),
            ("⏎", "keys and timeline of a user"), ("v", "verify its keys (keys view)"),
            ("t", "routes: which endpoint misses"), ("i", "instances of the fleet"), ("esc", "back"),
            ("d  Delete", "purge the selected user"),
        ]
        // Each key and its meaning on one line of the help's two columns.
        for (key, meaning) in entries {
            let line = DisplayWidth.pad(key, to: 20) + meaning
            #expect(!main.contains(line), "the main screen does not already show \(line)")
            #expect(help.contains(line), "help shows \(line)")
        }
        #expect(help.contains("┌ Keys "))
        #expect(help.contains("any key closes"))
    }

    @Test("colour marks the state; monochrome keeps the selection and emphasis without colour")
    func colours() {
        let coloured = Fixtures.liveState()
        let colourScreen = render(coloured, size: coloured.size)
        #expect(colourScreen.cells.contains { $0.style.color == .green })
        let mono = Fixtures.liveState(monochrome: true)
        let monoScreen = render(mono, size: mono.size)
        #expect(monoScreen.cells.allSatisfy { $0.style.color == .normal })
        let selectedRow = monoScreen.lines.firstIndex { $0.hasPrefix("▶") } ?? -1
        #expect(selectedRow > 0 && (0..<120).allSatisfy { monoScreen[selectedRow, $0].style.reverse })
        let lowRatio = monoScreen.lines.firstIndex { $0.contains("日本") } ?? -1
        #expect((0..<120).contains { monoScreen[lowRatio, $0].text == "%" && monoScreen[lowRatio, $0].style.bold })
    }
}
