import CacheAdminAPI
import Foundation

/// `t`: opens the routes view and asks for its page at once; every poll refreshes it.
func showRoutes(_ state: inout MonitorState) -> [Effect] {
    guard !state.routesUnsupported else {
        state.status = .init(text: "this server counts no routes (it predates GET /_cache/routes)", kind: .error)
        return []
    }
    state.mode = .routes(filterDraft: nil)
    state.routesSelected = 0
    state.routesQuery.offset = 0
    return fetchRoutes(&state, force: true).map { [$0] } ?? []
}

/// The request for routes: the view's page while it is open, else one row for the header's
/// figure; nothing while one is on its way or the server has none.
func fetchRoutes(_ state: inout MonitorState, force: Bool = false) -> Effect? {
    guard !state.routesUnsupported, force || !state.routesInFlight else { return nil }
    var query = state.routesQuery
    if case .routes = state.mode {
        query.limit = state.tableRows
    } else {
        query.limit = 1
    }
    state.routesInFlight = true
    return .fetchRoutes(query)
}

func handleRoutesViewKey(_ state: inout MonitorState, _ key: KeyPress, draft: String?) -> [Effect] {
    if let draft { return editRoutesFilter(&state, key, draft: draft) }
    let count = state.routes?.routes.count ?? 0
    switch key {
    case .escape where !(state.routesQuery.filter ?? "").isEmpty:
        state.routesQuery.filter = nil
        return fetchRoutes(&state, force: true).map { [$0] } ?? []
    case .escape, .character("q"), .character("t"), .backspace:
        state.mode = .table
    case .down, .character("j"):
        state.routesSelected = min(state.routesSelected + 1, max(0, count - 1))
    case .up, .character("k"):
        state.routesSelected = max(0, state.routesSelected - 1)
    case .home:
        state.routesSelected = 0
    case .end:
        state.routesSelected = max(0, count - 1)
    case .character("s"):
        // The view's column order, so `s` walks across the screen.
        let sorts: [RoutesQuery.Sort] = [.route, .hits, .misses, .hitRatio, .keys, .bytes, .missCost, .saved]
        state.routesQuery.sort = sorts[((sorts.firstIndex(of: state.routesQuery.sort) ?? 0) + 1) % sorts.count]
        return fetchRoutes(&state, force: true).map { [$0] } ?? []
    case .character("r"):
        state.routesQuery.order = state.routesQuery.order == .ascending ? .descending : .ascending
        return fetchRoutes(&state, force: true).map { [$0] } ?? []
    case .character("/"):
        state.mode = .routes(filterDraft: state.routesQuery.filter ?? "")
    case .character("R"):
        state.failures = 0
        return refreshNow(&state)
    case .character("?"):
        state.mode = .help
    default:
        break
    }
    return []
}

/// Edits the routes filter: Enter applies, Esc cancels.
private func editRoutesFilter(_ state: inout MonitorState, _ key: KeyPress, draft: String) -> [Effect] {
    switch key {
    case .enter:
        state.mode = .routes(filterDraft: nil)
        state.routesQuery.filter = draft.isEmpty ? nil : draft
        state.routesSelected = 0
        return fetchRoutes(&state, force: true).map { [$0] } ?? []
    case .escape:
        state.mode = .routes(filterDraft: nil)
        return []
    default:
        guard let edited = editedDraft(draft, key) else { return [] }
        state.mode = .routes(filterDraft: edited)
        return []
    }
}

/// Seconds of computation the cache saved per second between the last two routes answers.
func savedPerSecond(_ state: MonitorState) -> Double? {
    guard let now = state.routes, let then = state.previousRoutes else { return nil }
    let seconds = now.serverTime.timeIntervalSince(then.serverTime)
    guard seconds > 0 else { return nil }
    return max(0, now.savedSeconds - then.savedSeconds) / seconds
}
