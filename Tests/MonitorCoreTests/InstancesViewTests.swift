import CacheAdminAPI
import Foundation
import Testing

@testable import MonitorCore

@Suite("Instances view")
struct InstancesViewTests {
    func at(_ seconds: Double) -> Date { Fixtures.start.addingTimeInterval(seconds) }

    /// Three instances at the time of ``Fixtures/liveState(size:monochrome:)``: one healthy, one whose
    /// circuit is open, one that stopped sending heartbeats 40 s ago.
    static func fleet() -> InstanceList {
        let now = Fixtures.start.addingTimeInterval(1)
        return InstanceList(
            serverTime: now, instance: "web-1",
            instances: [
                InstanceInfo(
                    id: "web-1", url: "http://10.0.0.1:8080", version: "1.4.2",
                    startedAt: now.addingTimeInterval(-3_725), uptimeSeconds: 3_725, requestsPerSecond: 212.5,
                    hits: 9_000, misses: 1_000, lastSeen: now.addingTimeInterval(-0.4)),
                InstanceInfo(
                    id: "web-2", url: "http://10.0.0.2:8080", version: "1.4.2",
                    startedAt: now.addingTimeInterval(-3_600), uptimeSeconds: 3_600, requestsPerSecond: 3,
                    hits: 120, misses: 480, storeErrors: 42, circuitOpen: true, lastSeen: now.addingTimeInterval(-0.7)
                ),
                InstanceInfo(
                    id: "web-3", url: "http://10.0.0.3:8080", version: "1.4.1",
                    startedAt: now.addingTimeInterval(-86_040), uptimeSeconds: 86_000, hits: 50_000, misses: 5_000,
                    storeErrors: 1, lastSeen: now.addingTimeInterval(-40), alive: false),
            ])
    }

    /// The live state with the instances view open and the fleet loaded.
    static func showingFleet(size: TerminalSize = TerminalSize(columns: 120, rows: 40), monochrome: Bool = false)
        -> MonitorState
    {
        var state = Fixtures.liveState(size: size, monochrome: monochrome)
        let time = Fixtures.start.addingTimeInterval(1)
        _ = reduce(&state, .key(.character("i"), at: time))
        _ = reduce(&state, .instancesLoaded(fleet(), at: time))
        return state
    }

    func row(_ screen: Screen, _ id: String) throws -> Int {
        try #require(screen.lines.firstIndex { $0.hasPrefix("  \(id) ") })
    }

    /// The styles of the row's drawn cells (blanks left out).
    func styles(_ screen: Screen, row: Int) -> [CellStyle] {
        (0..<screen.size.columns).map { screen[row, $0] }.filter { $0.text != " " && !$0.text.isEmpty }.map(\.style)
    }

    @Test("with near caches, a NEAR column shows each instance's near hits and bytes, or bypass")
    func nearColumn() throws {
        var state = Fixtures.liveState()
        var fleet = Self.fleet()
        fleet.instances[0].near = NearCacheFigures(hits: 12_345, entries: 800, bytes: 3 << 20, live: true)
        fleet.instances[1].near = NearCacheFigures(hits: 7, entries: 0, bytes: 0, live: false)
        let time = Fixtures.start.addingTimeInterval(1)
        _ = reduce(&state, .key(.character("i"), at: time))
        _ = reduce(&state, .instancesLoaded(fleet, at: time))
        let screen = render(state, size: state.size)
        #expect(screen.text.contains("NEAR"))
        #expect(try screen.lines[row(screen, "web-1")].contains("12,345 · 3.0 MiB"))
        #expect(try screen.lines[row(screen, "web-2")].contains("bypass"))
        #expect(screen.lines.allSatisfy { DisplayWidth.of($0) == 120 })
        #expect(!render(Self.showingFleet(), size: state.size).text.contains("NEAR"), "no near cache, no column")
    }

    @Test("i opens the view and asks for the list at once; each poll refreshes it while it is open; i and Esc go back")
    func polling() {
        var state = Fixtures.liveState()
        #expect(reduce(&state, .key(.character("i"), at: at(1))) == [.fetchInstances])
        #expect(state.mode == .instances)
        let whileInFlight = reduce(&state, .tick(at(5)))
        #expect(!whileInFlight.contains(.fetchInstances), "one request for the list at a time")
        #expect(whileInFlight.contains { if case .fetchStats = $0 { true } else { false } })
        _ = reduce(&state, .instancesLoaded(Self.fleet(), at: at(5.1)))
        _ = reduce(
            &state,
            .statsLoaded(Fixtures.snapshot(at: 5, hits: 11_200, misses: 1_080, prefixes: state.page), at: at(5.2)))
        #expect(reduce(&state, .tick(at(7))).contains(.fetchInstances))

        _ = reduce(&state, .key(.character("i"), at: at(7)))
        #expect(state.mode == .table)
        _ = reduce(&state, .instancesLoaded(Self.fleet(), at: at(7.1)))
        _ = reduce(
            &state,
            .statsLoaded(Fixtures.snapshot(at: 7, hits: 11_300, misses: 1_090, prefixes: state.page), at: at(7.2)))
        #expect(!reduce(&state, .tick(at(9))).contains(.fetchInstances), "the table alone does not poll the fleet")

        #expect(reduce(&state, .key(.character("i"), at: at(9))) == [.fetchInstances])
        _ = reduce(&state, .key(.escape, at: at(9)))
        #expect(state.mode == .table)
    }

    @Test("a server from before the instances list (404) is named as such in the status line")
    func olderServer() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character("i"), at: at(1)))
        _ = reduce(&state, .instancesFailed(.rejected(status: 404, error: nil), at: at(1.1)))
        #expect(state.status?.kind == .error)
        #expect(state.status?.text.contains("predates GET /_cache/instances") == true)
        #expect(!state.instancesInFlight)
        #expect(reduce(&state, .tick(at(5))).contains(.fetchInstances), "the next poll tries again")
    }

    @Test("the instances view at 120x40")
    func golden() throws {
        let state = Self.showingFleet()
        try RenderTests().expectGolden(render(state, size: state.size), "instances-120x40")
    }

    @Test("one row per instance, with URL, version, uptime, traffic, errors, circuit and when it was last seen")
    func rows() throws {
        let state = Self.showingFleet()
        let screen = render(state, size: state.size)
        #expect(screen.text.contains("instances 3 · 2 alive"))
        #expect(screen.text.contains("1 dead"))
        let line = screen.lines[try row(screen, "web-1")]
        for text in ["http://10.0.0.1:8080", "1.4.2", "1h02m", "212.5", "9,000", "1,000", "90.0%", "closed", "0s ago"] {
            #expect(line.contains(text), "web-1's row shows \(text)")
        }
        let dead = screen.lines[try row(screen, "web-3")]
        #expect(dead.contains("40s ago"))
        #expect(dead.hasSuffix("dead "), "the last column says dead")
    }

    @Test("a dead instance is dimmed; one whose circuit is open is red; a healthy one is plain, alive in green")
    func colours() throws {
        let screen = render(Self.showingFleet(), size: TerminalSize(columns: 120, rows: 40))
        let open = styles(screen, row: try row(screen, "web-2"))
        #expect(!open.isEmpty)
        #expect(open.allSatisfy { $0 == CellStyle(color: .red, bold: true) }, "every cell of web-2 is red")
        let dead = styles(screen, row: try row(screen, "web-3"))
        #expect(dead.allSatisfy { $0.color == .dim }, "every cell of web-3 is dimmed")
        let healthyRow = try row(screen, "web-1")
        #expect(screen[healthyRow, 2].style == .plain)
        let alive = try #require(screen.lines[healthyRow].range(of: "alive"))
        let aliveColumn = DisplayWidth.of(screen.lines[healthyRow][..<alive.lowerBound])
        #expect(screen[healthyRow, aliveColumn].style.color == .green)
    }

    @Test("monochrome keeps the open circuit bold and drops every colour")
    func monochrome() throws {
        let screen = render(Self.showingFleet(monochrome: true), size: TerminalSize(columns: 120, rows: 40))
        #expect(screen.cells.allSatisfy { $0.style.color == .normal })
        #expect(styles(screen, row: try row(screen, "web-2")).allSatisfy(\.bold))
        #expect(screen.lines[try row(screen, "web-3")].contains("dead"))
    }

    @Test("at 80x24 the view drops URL, version and uptime but keeps the state, circuit and errors")
    func narrow() throws {
        let size = TerminalSize(columns: 80, rows: 24)
        let screen = render(Self.showingFleet(size: size), size: size)
        #expect(screen.lines.allSatisfy { DisplayWidth.of($0) == 80 })
        let line = screen.lines[try row(screen, "web-2")]
        #expect(!line.contains("http://"))
        for text in ["42", "open", "alive", "20.0%"] { #expect(line.contains(text), "web-2's row shows \(text)") }
        #expect(screen.lines[try row(screen, "web-3")].contains("dead"))
    }

    @Test("the footer and the help list i")
    func keysListed() {
        var state = Fixtures.liveState()
        #expect(render(state, size: state.size).lines[state.size.rows - 1].contains("i instances"))
        _ = reduce(&state, .key(.character("?"), at: at(1)))
        #expect(render(state, size: state.size).text.contains(DisplayWidth.pad("i", to: 20) + "instances of the fleet"))
    }

    @Test("a long instance id is shortened in the header, so the link state stays on screen at 80 columns")
    func longInstanceID() {
        var state = Fixtures.liveState(size: TerminalSize(columns: 80, rows: 24))
        let id = "a-rather-long-hostname-of-a-fleet-12345-9f3a"
        let snapshot = Fixtures.snapshot(at: 2, hits: 11_200, misses: 1_080, prefixes: state.page, instance: id)
        _ = reduce(&state, .statsLoaded(snapshot, at: at(2)))
        let header = render(state, size: state.size).lines[0]
        #expect(header.contains("memory · a-rather-long-hostname-… "))
        #expect(header.contains("● live"))
    }
}
