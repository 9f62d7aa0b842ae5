import CacheAdminAPI
import Foundation
import Testing

@testable import MonitorCore

@Suite("Reducer")
struct ReducerTests {
    func at(_ seconds: Double) -> Date { Fixtures.start.addingTimeInterval(seconds) }

    func fetchedQuery(_ effects: [Effect]) -> StatsQuery? {
        for case .fetchStats(let query) in effects { return query }
        return nil
    }

    @Test("polls when due, one request at a time, and asks for the page that fits the screen")
    func polling() {
        var state = MonitorState(configuration: .init(url: "http://x"), now: at(0))
        let first = reduce(&state, .resized(TerminalSize(columns: 120, rows: 40)))
        let query = fetchedQuery(first)
        #expect(query?.limit == state.tableRows && query?.offset == 0 && query?.focus == nil)
        #expect(reduce(&state, .tick(at(0.5))).isEmpty, "nothing while a request is in flight")
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 0, hits: 1, misses: 1, prefixes: []), at: at(0.6)))
        #expect(reduce(&state, .tick(at(1.0))).isEmpty, "not before the interval")
        #expect(fetchedQuery(reduce(&state, .tick(at(1.7)))) != nil)
    }

    @Test("after failures it retries with capped exponential backoff, says so, and recovers by itself")
    func backoff() {
        var state = MonitorState(configuration: .init(url: "http://x", interval: 1), now: at(0))
        _ = reduce(&state, .tick(at(0)))
        var waits: [Double] = []
        var now = 0.0
        for _ in 0..<8 {
            _ = reduce(&state, .statsFailed(.cannotConnect(url: "http://x", reason: "connection refused"), at: at(now)))
            waits.append(state.nextPollAt.timeIntervalSince(at(now)))
            now = state.nextPollAt.timeIntervalSince(Fixtures.start)
            #expect(fetchedQuery(reduce(&state, .tick(at(now)))) != nil)
        }
        #expect(waits == [1, 2, 4, 8, 16, 30, 30, 30])
        guard case .failing = state.link else { Issue.record("link should be failing"); return }
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: now, hits: 1, misses: 0, prefixes: []), at: at(now)))
        #expect(state.link == .live && state.failures == 0)
    }

    @Test("a wrong token and a malformed answer are explained in the status line")
    func errorsExplained() {
        var state = MonitorState(configuration: .init(url: "http://x"), now: at(0))
        _ = reduce(&state, .statsFailed(.unauthorized("bad token"), at: at(0)))
        #expect(state.status?.text.contains("token is wrong") == true && state.status?.kind == .error)
        _ = reduce(&state, .statsFailed(.malformedResponse("not JSON"), at: at(1)))
        #expect(state.status?.text.contains("malformed") == true)
    }

    @Test("a chosen selection stays on its prefix across refreshes and re-sorts")
    func selectionStability() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.down, at: at(1)))
        _ = reduce(&state, .key(.down, at: at(1)))
        #expect(state.selected?.user == "420")
        // The server re-sorts: 420 is now first.
        let resorted = [Fixtures.prefix("420"), Fixtures.prefix("42"), Fixtures.prefix("142")]
        let effects = reduce(&state, .key(.character("s"), at: at(1.1)))
        #expect(fetchedQuery(effects)?.focus == "api:{u:420}" && fetchedQuery(effects)?.sort == .misses)
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 2, hits: 1, misses: 1, prefixes: resorted), at: at(2)))
        #expect(state.selectedRow == 0 && state.selected?.user == "420")
    }

    @Test("the selection follows its user from the first page on, even when a refresh re-sorts it")
    func selectionFollowsUser() {
        var state = Fixtures.liveState()
        #expect(state.selected?.user == "42")
        let query = fetchedQuery(reduce(&state, .tick(at(5))))
        #expect(query?.focus == "api:{u:42}", "the refresh asks for the page that holds the selected user")
        let shuffled = [Fixtures.prefix("142"), Fixtures.prefix("42")]
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 5, hits: 1, misses: 1, prefixes: shuffled), at: at(5)))
        #expect(state.selected?.user == "42")
        #expect(state.selectedRow == 1)
    }

    @Test("a selected user who moves to another page is followed there: the page scrolls with them")
    func selectionScrolls() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.down, at: at(1)))
        #expect(state.selected?.user == "142")
        let rows = state.tableRows
        // The server ranks 142 lower now and answers the page that holds it (the focus).
        var page = (0..<rows).map { Fixtures.prefix("u\($0)") }
        page[3] = Fixtures.prefix("142")
        _ = reduce(&state, .tick(at(5)))
        _ = reduce(
            &state,
            .statsLoaded(
                Fixtures.snapshot(at: 5, hits: 1, misses: 1, prefixes: page, prefixCount: 1000, offset: rows),
                at: at(5)))
        #expect(state.offset == rows)
        #expect(state.selectedRow == 3)
        #expect(state.selected?.user == "142")
    }

    @Test("a user who is gone hands the selection to the row they were on, and it follows that user")
    func selectionWhenUserGone() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.down, at: at(1)))
        let purged = [Fixtures.prefix("42"), Fixtures.prefix("420"), Fixtures.prefix("7")]
        _ = reduce(&state, .tick(at(5)))
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 5, hits: 1, misses: 1, prefixes: purged), at: at(5)))
        #expect(state.selected?.user == "420")
        #expect(state.selectedPrefix == "api:{u:420}")
    }

    @Test("filter 42, ▶ on 142, d: a refresh that re-sorts neither moves the ▶ nor reorders the rows; y purges 142")
    func dialogHoldsTheTable() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character("/"), at: at(1)))
        for character in "42" { _ = reduce(&state, .key(.character(character), at: at(1))) }
        _ = reduce(&state, .key(.enter, at: at(1)))
        let filtered = [Fixtures.prefix("142", hits: 900), Fixtures.prefix("42", hits: 800)]
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 2, hits: 1, misses: 1, prefixes: filtered), at: at(2)))
        #expect(state.selected?.user == "42", "the selection stayed on 42 through the filter")
        _ = reduce(&state, .key(.up, at: at(2.2)))
        #expect(state.selected?.user == "142")

        _ = reduce(&state, .key(.character("d"), at: at(2.5)))
        #expect(state.mode == .confirmingPurge(filtered[0]))
        // Traffic puts 42 first; the answer comes while the dialog is open.
        let resorted = [Fixtures.prefix("42", hits: 2000), Fixtures.prefix("142", hits: 950)]
        #expect(fetchedQuery(reduce(&state, .tick(at(3.1)))) != nil)
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 3, hits: 9, misses: 1, prefixes: resorted), at: at(3.2)))
        #expect(state.page.map(\.user) == ["142", "42"], "the rows keep their order under the dialog")
        #expect(state.selected?.user == "142", "the ▶ stays on the user the dialog names")
        #expect(state.page.first?[.hits] == 950, "the figures still refresh")
        let screen = render(state, size: state.size).text
        #expect(screen.contains("Purge user 142?"))
        #expect(screen.contains("▶ 142 "))

        #expect(reduce(&state, .key(.character("y"), at: at(3.5))) == [.purge(prefix: "api:{u:142}")])
        // Once the dialog is closed, the next page is shown in the server's order, ▶ still on 142.
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 4, hits: 9, misses: 1, prefixes: resorted), at: at(4)))
        #expect(state.page.map(\.user) == ["42", "142"])
        #expect(state.selected?.user == "142")
    }

    @Test("an answer to the page before PgDn is not selected from, and the page asked for is fetched at once")
    func staleAnswerAfterPaging() {
        var state = Fixtures.liveState(size: TerminalSize(columns: 80, rows: 24))
        let rows = state.tableRows
        let first = (0..<rows).map { Fixtures.prefix("u\($0)") }
        _ = reduce(&state, .tick(at(2)))
        _ = reduce(
            &state,
            .statsLoaded(Fixtures.snapshot(at: 2, hits: 1, misses: 1, prefixes: first, prefixCount: 1000), at: at(2)))
        _ = reduce(&state, .tick(at(3)))  // a request for the first page is in flight
        #expect(reduce(&state, .key(.pageDown, at: at(3.1))).isEmpty, "one request at a time")
        _ = reduce(
            &state,
            .statsLoaded(Fixtures.snapshot(at: 3, hits: 1, misses: 1, prefixes: first, prefixCount: 1000), at: at(3.2)))
        #expect(state.offset == rows, "the page asked for is kept")
        let next = fetchedQuery(reduce(&state, .tick(at(3.3))))
        #expect(next?.offset == rows)
        #expect(next?.focus == nil)
    }

    @Test("an empty page past the end of a short list (a filter under a stale offset) moves to its last page at once")
    func emptyPagePastTheEnd() {
        var state = Fixtures.liveState(size: TerminalSize(columns: 80, rows: 24))
        let rows = state.tableRows
        _ = reduce(&state, .tick(at(2)))
        // What the demo showed: 4 users match "42", but the answer is the page at `rows`, empty.
        _ = reduce(
            &state,
            .statsLoaded(
                Fixtures.snapshot(at: 2, hits: 1, misses: 1, prefixes: [], prefixCount: 4, offset: rows), at: at(2)))
        #expect(state.offset == 0, "the last page that has rows")
        let next = fetchedQuery(reduce(&state, .tick(at(2.1))))
        #expect(next?.offset == 0)
        #expect(next?.focus == nil)
    }

    @Test("moving past the last row fetches the next page; Home goes back to the top")
    func paging() {
        var state = Fixtures.liveState(size: TerminalSize(columns: 80, rows: 24))
        let rows = state.tableRows
        let page = (0..<rows).map { Fixtures.prefix("u\($0)") }
        _ = reduce(
            &state,
            .statsLoaded(Fixtures.snapshot(at: 2, hits: 1, misses: 1, prefixes: page, prefixCount: 1000), at: at(2)))
        for _ in 0..<(rows - 1) { #expect(reduce(&state, .key(.character("j"), at: at(2))).isEmpty) }
        let next = fetchedQuery(reduce(&state, .key(.character("j"), at: at(2))))
        #expect(next?.offset == rows && next?.focus == nil)
        #expect(fetchedQuery(reduce(&state, .key(.home, at: at(3))))?.offset == 0 || state.offset == 0)
    }

    @Test("filter: / opens the line, typing edits it, Enter applies it, Esc clears it")
    func filtering() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character("/"), at: at(1)))
        for character in "42" { _ = reduce(&state, .key(.character(character), at: at(1))) }
        #expect(state.mode == .filtering(draft: "42"))
        #expect(state.filter == "", "not applied before Enter")
        let applied = fetchedQuery(reduce(&state, .key(.enter, at: at(1))))
        #expect(applied?.filter == "42" && applied?.offset == 0 && state.mode == .table)
        _ = reduce(&state, .statsLoaded(Fixtures.snapshot(at: 2, hits: 1, misses: 1, prefixes: []), at: at(2)))
        _ = reduce(&state, .key(.character("/"), at: at(2)))
        let cleared = fetchedQuery(reduce(&state, .key(.escape, at: at(2))))
        #expect(cleared?.filter == nil && state.filter == "")
    }

    @Test("g jumps to a user by id: its escaped prefix becomes the focus and the selection")
    func jump() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character("g"), at: at(1)))
        for character in "4*" { _ = reduce(&state, .key(.character(character), at: at(1))) }
        let query = fetchedQuery(reduce(&state, .key(.enter, at: at(1))))
        #expect(query?.focus == "api:{u:4%2A}")
        _ = reduce(
            &state,
            .statsLoaded(
                Fixtures.snapshot(
                    at: 2, hits: 1, misses: 1, prefixes: [Fixtures.prefix("3"), Fixtures.prefix("4*")],
                    query: StatsQuery(focus: "api:{u:4%2A}")),
                at: at(2)))
        #expect(state.selected?.user == "4*")
        _ = reduce(&state, .key(.character("g"), at: at(2)))
        for character in "nobody" { _ = reduce(&state, .key(.character(character), at: at(2))) }
        _ = reduce(&state, .key(.enter, at: at(2)))
        _ = reduce(
            &state,
            .statsLoaded(
                Fixtures.snapshot(
                    at: 3, hits: 1, misses: 1, prefixes: [Fixtures.prefix("3")],
                    query: StatsQuery(focus: "api:{u:nobody}")),
                at: at(3)))
        #expect(state.status?.kind == .error && state.status?.text.contains("not in the cache") == true)
    }

    @Test("g while a refresh is in flight: that refresh's answer does not end the jump, the jump's own does")
    func jumpDuringRefresh() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .tick(at(2)))  // a refresh focused on the selected user is in flight
        _ = reduce(&state, .key(.character("g"), at: at(2.1)))
        _ = reduce(&state, .key(.character("7"), at: at(2.1)))
        #expect(fetchedQuery(reduce(&state, .key(.enter, at: at(2.1)))) == nil, "one request at a time")
        _ = reduce(
            &state,
            .statsLoaded(
                Fixtures.snapshot(
                    at: 2, hits: 1, misses: 1, prefixes: [Fixtures.prefix("42")], query: StatsQuery(focus: "api:{u:42}")
                ),
                at: at(2.2)))
        #expect(state.status?.kind != .error, "no \"not in the cache\" from an answer to another question")
        #expect(fetchedQuery(reduce(&state, .tick(at(2.3))))?.focus == "api:{u:7}")
        _ = reduce(
            &state,
            .statsLoaded(
                Fixtures.snapshot(
                    at: 3, hits: 1, misses: 1, prefixes: [Fixtures.prefix("42"), Fixtures.prefix("7")],
                    query: StatsQuery(focus: "api:{u:7}")),
                at: at(2.4)))
        #expect(state.selected?.user == "7")
    }

    @Test("purge asks first: y purges the selected prefix, any other key cancels")
    func purgeConfirmation() {
        var state = Fixtures.liveState()
        #expect(reduce(&state, .key(.character("d"), at: at(1))).isEmpty)
        #expect(state.mode == .confirmingPurge(state.page[0]))
        #expect(reduce(&state, .key(.character("n"), at: at(1))).isEmpty)
        #expect(state.mode == .table && state.status?.text == "purge cancelled")
        _ = reduce(&state, .key(.delete, at: at(1)))
        #expect(reduce(&state, .key(.character("y"), at: at(1))) == [.purge(prefix: "api:{u:42}")])
        let result = PurgeResult(
            prefix: "api:{u:42}", user: "42", removedKeys: 118, removedBytes: 1, generation: 8, durationSeconds: 0.0004)
        _ = reduce(&state, .purgeFinished(prefix: "api:{u:42}", .success(result), at: at(2)))
        #expect(state.status == .init(text: "purged user 42: 118 keys in 0.4 ms", kind: .success))
        _ = reduce(&state, .key(.character("d"), at: at(3)))
        _ = reduce(&state, .key(.character("y"), at: at(3)))
        _ = reduce(
            &state, .purgeFinished(prefix: "api:{u:42}", .failure(.rejected(status: 503, error: nil)), at: at(4)))
        #expect(state.status?.kind == .error && state.status?.text.contains("failed") == true)
    }

    @Test("read-only refuses to purge and says why")
    func readOnly() {
        var state = Fixtures.liveState()
        state.configuration.readOnly = true
        #expect(reduce(&state, .key(.character("d"), at: at(1))).isEmpty)
        #expect(state.mode == .table && state.status?.text.contains("read-only") == true)
    }

    @Test("Enter opens the keys of the selected prefix and polls them; Esc goes back")
    func keysView() {
        var state = Fixtures.liveState()
        #expect(reduce(&state, .key(.enter, at: at(1))) == [.fetchKeys(prefix: "api:{u:42}")])
        #expect(state.mode == .keys(prefix: "api:{u:42}"))
        #expect(reduce(&state, .tick(at(5))).contains(.fetchKeys(prefix: "api:{u:42}")))
        _ = reduce(&state, .key(.escape, at: at(5)))
        #expect(state.mode == .table)
    }

    @Test("space pauses polling, + and - step the interval, q quits")
    func controls() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character(" "), at: at(1)))
        #expect(state.paused && reduce(&state, .tick(at(10))).isEmpty)
        #expect(fetchedQuery(reduce(&state, .key(.character(" "), at: at(10)))) != nil)
        _ = reduce(&state, .key(.character("+"), at: at(10)))
        #expect(state.interval == 2)
        _ = reduce(&state, .key(.character("-"), at: at(10)))
        _ = reduce(&state, .key(.character("-"), at: at(10)))
        #expect(state.interval == 0.5)
        #expect(reduce(&state, .key(.character("q"), at: at(10))) == [.quit])
    }

    @Test("events arrive newest first; a restarted server's events start over")
    func events() {
        var state = Fixtures.liveState()
        #expect(state.events.map(\.seq) == [3, 2, 1])
        _ = reduce(&state, .eventsLoaded(EventPage(events: [], dropped: 0, lastSeq: 0, newestSeq: 0)))
        #expect(state.events.isEmpty && state.lastEventSeq == nil)
    }

    @Test("a new instance (a restart) resets the rate history")
    func restart() {
        var state = Fixtures.liveState()
        #expect(state.history.ratioNow != nil)
        _ = reduce(
            &state,
            .statsLoaded(
                Fixtures.snapshot(at: 2, hits: 5, misses: 1, prefixes: [], instance: "ffff", uptime: 1), at: at(2)))
        #expect(state.history.ratioNow == nil && state.status?.text.contains("restarted") == true)
    }
}
