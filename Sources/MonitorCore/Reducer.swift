import CacheAdminAPI
import Foundation

/// The refresh intervals `+` and `-` step through, in seconds.
let intervalSteps: [Double] = [0.25, 0.5, 1, 2, 5, 10, 30]
/// The longest wait between retries while the server is unreachable.
let maximumBackoff: Double = 30
/// How many recent events the monitor keeps.
let eventsKept = 100

/// Applies an action to the state and says what the runtime must do next. Pure: same state and
/// action, same result.
public func reduce(_ state: inout MonitorState, _ action: Action) -> [Effect] {
    switch action {
    case .tick(let now):
        state.now = now
        return pollIfDue(&state)
    case .key(let key, let now):
        state.now = now
        return handleKey(&state, key)
    case .resized(let size):
        let rowsBefore = state.tableRows
        state.size = size
        guard state.tableRows != rowsBefore else { return [] }
        state.offset = state.offset / state.tableRows * state.tableRows
        return refreshNow(&state)
    case .statsLoaded(let snapshot, let now):
        state.now = now
        applySnapshot(&state, snapshot)
        return []
    case .statsFailed(let error, let now):
        state.now = now
        applyFailure(&state, error)
        return []
    case .eventsLoaded(let page):
        applyEvents(&state, page)
        return []
    case .keysLoaded(let prefix, let keys):
        guard state.mode == .keys(prefix: prefix) else { return [] }
        state.keys = keys
        state.keysScroll = min(state.keysScroll, max(0, keys.count - 1))
        return []
    case .timelineLoaded(let prefix, let events):
        guard state.mode == .keys(prefix: prefix) else { return [] }
        state.timeline = events
        return []
    case .keysFailed(let prefix, let error):
        guard state.mode == .keys(prefix: prefix) else { return [] }
        state.status = .init(text: "keys of \(prefix): \(error)", kind: .error)
        return []
    case .routesLoaded(let snapshot):
        state.routesInFlight = false
        if let last = state.routes, last.serverTime < snapshot.serverTime { state.previousRoutes = last }
        state.routes = snapshot
        state.routesSelected = min(state.routesSelected, max(0, snapshot.routes.count - 1))
        return []
    case .routesFailed(let error):
        state.routesInFlight = false
        if case .rejected(let status, _) = error, status == 404 {
            state.routesUnsupported = true
            if case .routes = state.mode {
                state.status = .init(
                    text: "this server counts no routes (it predates GET /_cache/routes)", kind: .error)
            }
        }
        return []
    case .instancesLoaded(let list, let now):
        state.now = now
        applyInstances(&state, list)
        return []
    case .instancesFailed(let error, let now):
        state.now = now
        applyInstancesFailure(&state, error)
        return []
    case .verifyFinished(let prefix, let result, let now):
        state.now = now
        state.verifyInFlight = false
        switch result {
        case .success(let report):
            if state.mode == .keys(prefix: prefix) { state.verification = report }
            let who = report.user.map { "user \($0)" } ?? prefix
            state.status = .init(
                text: "verified \(who): \(report.summary)", kind: report.count(.stale) > 0 ? .error : .success)
        case .failure(let error):
            state.status = .init(text: "verify of \(prefix) failed: \(error)", kind: .error)
        }
        return refreshNow(&state)
    case .purgeFinished(let prefix, let result, let now):
        state.now = now
        state.purgeInFlight = false
        switch result {
        case .success(let purge):
            let who = purge.user.map { "user \($0)" } ?? prefix
            let time = Format.milliseconds(purge.durationSeconds)
            state.status = .init(
                text: "purged \(who): \(Format.count(purge.removedKeys, "key")) in \(time)", kind: .success)
        case .failure(let error):
            state.status = .init(text: "purge of \(prefix) failed: \(error)", kind: .error)
        }
        return refreshNow(&state)
    }
}

/// The query for the page on screen: the selection, if any, is the focus that keeps it in view.
func statsQuery(_ state: MonitorState) -> StatsQuery {
    StatsQuery(
        sort: state.sort, order: state.order, limit: state.tableRows, offset: state.offset,
        filter: state.filter.isEmpty ? nil : state.filter,
        focus: state.pendingJump ?? state.selectedPrefix)
}

func pollIfDue(_ state: inout MonitorState) -> [Effect] {
    guard !state.paused, !state.statsInFlight, state.now >= state.nextPollAt else { return [] }
    state.statsInFlight = true
    var effects: [Effect] = [.fetchStats(statsQuery(state))]
    if let after = state.lastEventSeq {
        effects.append(.fetchEvents(after: after, limit: 200))
    } else {
        effects.append(.fetchEvents(after: 0, limit: 1))
    }
    if case .keys(let prefix) = state.mode { effects.append(.fetchKeys(prefix: prefix)) }
    if state.mode == .instances, let fetch = fetchInstances(&state) { effects.append(fetch) }
    if let fetch = fetchRoutes(&state) { effects.append(fetch) }
    return effects
}

/// Polls at the next tick (or now, if nothing is in flight).
func refreshNow(_ state: inout MonitorState) -> [Effect] {
    state.nextPollAt = state.now
    return pollIfDue(&state)
}

func applySnapshot(_ state: inout MonitorState, _ snapshot: StatsSnapshot) {
    let restarted = state.snapshot.map { $0.instance != snapshot.instance || $0.uptimeSeconds > snapshot.uptimeSeconds }
    if restarted == true {
        state.history.reset()
        state.prefixRates.reset()
        state.events.removeAll()
        state.lastEventSeq = nil
        state.status = .init(text: "the server restarted: rates start again", kind: .info)
    }
    if state.history.record(snapshot.totals, at: snapshot.serverTime) { state.prefixRates.reset() }
    state.prefixRates.record(snapshot.prefixes, at: snapshot.serverTime)
    state.statsInFlight = false
    state.link = .live
    state.failures = 0
    state.lastSuccessAt = state.now
    state.nextPollAt = state.now.addingTimeInterval(state.interval)
    if case .confirmingPurge = state.mode, let shown = state.snapshot {
        // The dialog names the row under the `▶`: the rows keep their order and place under it
        // (figures refresh where the new page has them) until it closes.
        let fresh = Dictionary(snapshot.prefixes.map { ($0.prefix, $0) }, uniquingKeysWith: { first, _ in first })
        var held = snapshot
        held.prefixes = shown.prefixes.map { fresh[$0.prefix] ?? $0 }
        held.prefixCount = shown.prefixCount
        held.query = shown.query
        state.snapshot = held
        return
    }
    state.snapshot = snapshot
    if snapshot.prefixes.isEmpty, snapshot.prefixCount > 0, snapshot.query.offset > 0 {
        // A page past the end (the rows above it went, or a focus that no longer matches left the
        // offset behind): go to the last page that has rows.
        state.offset = (snapshot.prefixCount - 1) / max(1, state.tableRows) * max(1, state.tableRows)
        state.selectedPrefix = nil
        state.nextPollAt = state.now
        return
    }
    if state.selectedPrefix == nil, state.pendingJump == nil, snapshot.query.offset != state.offset {
        // The answer to a request sent before PgUp/PgDn/End asked for another page: ask for that
        // page at once, and select nothing on this one (its rows are not the ones chosen).
        state.nextPollAt = state.now
        return
    }
    state.offset = snapshot.query.offset

    let page = snapshot.prefixes
    if let jump = state.pendingJump, snapshot.query.focus != jump {
        // The answer to a request sent before `g`: the jump's own answer is asked for at once.
        state.nextPollAt = state.now
    } else if let jump = state.pendingJump {
        state.pendingJump = nil
        if page.contains(where: { $0.prefix == jump }) {
            state.selectedPrefix = jump
        } else {
            state.status = .init(text: "\(jump) is not in the cache (or hidden by the filter)", kind: .error)
        }
    }
    if let selected = state.selectedPrefix, let row = page.firstIndex(where: { $0.prefix == selected }) {
        state.selectedRow = row
    } else {
        // The user left the page (purged, expired, filtered out) or a page was asked for by position:
        // select the row there, and follow its user from now on.
        state.selectedRow = max(0, min(state.selectedRow, page.count - 1))
        state.selectedPrefix = page.indices.contains(state.selectedRow) ? page[state.selectedRow].prefix : nil
    }
}

func applyFailure(_ state: inout MonitorState, _ error: AdminClientError) {
    state.statsInFlight = false
    state.failures += 1
    let backoff = min(state.interval * pow(2, Double(min(state.failures - 1, 10))), maximumBackoff)
    state.nextPollAt = state.now.addingTimeInterval(max(backoff, state.interval))
    state.link = .failing(reason: error.description, retryAt: state.nextPollAt)
    switch error {
    case .unauthorized:
        state.status = .init(text: "the token is wrong: start with --token or CACHEMON_TOKEN", kind: .error)
    case .malformedResponse(let reason):
        state.status = .init(text: "malformed answer from the server: \(reason)", kind: .error)
    case .rejected(let status, let body):
        state.status = .init(text: "the server answered \(status): \(body?.error.message ?? "")", kind: .error)
    case .cannotConnect, .invalidURL:
        break
    }
}

func applyEvents(_ state: inout MonitorState, _ page: EventPage) {
    guard let after = state.lastEventSeq else {
        // First contact: start a little before the newest event so the pane is not empty.
        state.lastEventSeq = page.newestSeq - min(page.newestSeq, 20)
        return
    }
    if page.lastSeq < after {
        state.events.removeAll()
        state.lastEventSeq = nil
        return
    }
    state.events = Array((page.events.reversed() + state.events).prefix(eventsKept))
    state.lastEventSeq = page.lastSeq
}
