import CacheAdminAPI
import Foundation

func handleKey(_ state: inout MonitorState, _ key: KeyPress) -> [Effect] {
    switch state.mode {
    case .help:
        state.mode = .table
        return []
    case .confirmingPurge(let prefix):
        state.mode = .table
        guard key == .character("y") || key == .character("Y") else {
            state.status = .init(text: "purge cancelled", kind: .info)
            return []
        }
        state.purgeInFlight = true
        state.status = .init(text: "purging \(describe(prefix))…", kind: .info)
        return [.purge(prefix: prefix.prefix)]
    case .filtering(let draft):
        return editLine(&state, key, draft: draft) { state, text in
            state.filter = text
            state.offset = 0
            state.selectedRow = 0
        }
    case .jumping(let draft):
        return editLine(&state, key, draft: draft) { state, text in
            guard !text.isEmpty, let namespace = state.snapshot?.namespace else { return }
            state.pendingJump = PrefixFormat.prefix(namespace: namespace, user: text)
            state.filter = ""
        }
    case .keys(let prefix):
        return handleKeysViewKey(&state, key, prefix: prefix)
    case .instances:
        return handleInstancesViewKey(&state, key)
    case .routes(let draft):
        return handleRoutesViewKey(&state, key, draft: draft)
    case .table:
        return handleTableKey(&state, key)
    }
}

private func handleTableKey(_ state: inout MonitorState, _ key: KeyPress) -> [Effect] {
    switch key {
    case .character("q"), .character("Q"):
        return [.quit]
    case .character("?"), .character("h"):
        state.mode = .help
    case .character("/"):
        state.mode = .filtering(draft: state.filter)
    case .character("g"):
        state.mode = .jumping(draft: "")
    case .character("i"):
        return showInstances(&state)
    case .character("t"):
        return showRoutes(&state)
    case .escape:
        if !state.filter.isEmpty {
            state.filter = ""
            state.offset = 0
            state.selectedRow = 0
            return refreshNow(&state)
        }
    case .character("s"):
        // The table's column order, so `s` walks across the screen.
        let sorts: [StatsQuery.Sort] = [.user, .keys, .bytes, .hitRatio, .hits, .misses, .expiringSoon, .lastPurge]
        state.sort = sorts[((sorts.firstIndex(of: state.sort) ?? 0) + 1) % sorts.count]
        return refreshNow(&state)
    case .character("r"):
        state.order = state.order == .ascending ? .descending : .ascending
        return refreshNow(&state)
    case .character("+"), .character("="):
        state.interval = intervalSteps.first { $0 > state.interval } ?? state.interval
        state.nextPollAt = min(state.nextPollAt, state.now.addingTimeInterval(state.interval))
        state.status = .init(text: "refresh every \(formatInterval(state.interval))", kind: .info)
    case .character("-"), .character("_"):
        state.interval = intervalSteps.last { $0 < state.interval } ?? state.interval
        state.nextPollAt = min(state.nextPollAt, state.now.addingTimeInterval(state.interval))
        state.status = .init(text: "refresh every \(formatInterval(state.interval))", kind: .info)
    case .character(" "):
        state.paused.toggle()
        state.status = .init(text: state.paused ? "paused: space resumes" : "resumed", kind: .info)
        if !state.paused { return refreshNow(&state) }
    case .character("R"):
        state.failures = 0
        return refreshNow(&state)
    case .enter:
        guard let selected = state.selected else { return [] }
        state.mode = .keys(prefix: selected.prefix)
        state.keys = []
        state.timeline = []
        state.verification = nil
        state.keysScroll = 0
        return [.fetchKeys(prefix: selected.prefix)]
    case .character("d"), .delete:
        guard let selected = state.selected else { return [] }
        guard !state.configuration.readOnly else {
            state.status = .init(text: "read-only: purging is disabled (--read-only)", kind: .error)
            return []
        }
        guard !state.purgeInFlight else { return [] }
        state.mode = .confirmingPurge(selected)
    case .down, .character("j"):
        return moveSelection(&state, by: 1)
    case .up, .character("k"):
        return moveSelection(&state, by: -1)
    case .pageDown:
        return moveSelection(&state, by: state.tableRows)
    case .pageUp:
        return moveSelection(&state, by: -state.tableRows)
    case .home:
        return select(&state, absolute: 0)
    case .end:
        return select(&state, absolute: max(0, (state.snapshot?.prefixCount ?? 1) - 1))
    default:
        break
    }
    return []
}

private func handleKeysViewKey(_ state: inout MonitorState, _ key: KeyPress, prefix: String) -> [Effect] {
    switch key {
    case .escape, .character("q"), .backspace:
        state.mode = .table
        state.keys = []
        state.timeline = []
        state.verification = nil
    case .character("v"):
        // Allowed read-only: a verification computes again and compares; it changes nothing.
        guard !state.verifyInFlight else { return [] }
        state.verifyInFlight = true
        state.status = .init(text: "verifying \(prefix): computing each entry again…", kind: .info)
        return [.verify(prefix: prefix)]
    case .down, .character("j"):
        state.keysScroll = min(state.keysScroll + 1, max(0, state.keys.count - 1))
    case .up, .character("k"):
        state.keysScroll = max(0, state.keysScroll - 1)
    case .pageDown:
        state.keysScroll = min(state.keysScroll + state.tableRows, max(0, state.keys.count - 1))
    case .pageUp:
        state.keysScroll = max(0, state.keysScroll - state.tableRows)
    case .home:
        state.keysScroll = 0
    case .end:
        state.keysScroll = max(0, state.keys.count - 1)
    case .character("d"), .delete:
        guard let selected = state.selected, selected.prefix == prefix else { return [] }
        guard !state.configuration.readOnly else {
            state.status = .init(text: "read-only: purging is disabled (--read-only)", kind: .error)
            return []
        }
        state.mode = .confirmingPurge(selected)
    case .character("R"):
        return refreshNow(&state)
    case .character("?"):
        state.mode = .help
    default:
        break
    }
    return []
}

/// Moves the selection by `delta` rows, fetching another page when it leaves this one.
private func moveSelection(_ state: inout MonitorState, by delta: Int) -> [Effect] {
    select(&state, absolute: state.offset + state.selectedRow + delta)
}

private func select(_ state: inout MonitorState, absolute: Int) -> [Effect] {
    let count = state.snapshot?.prefixCount ?? 0
    guard count > 0 else { return [] }
    let target = max(0, min(absolute, count - 1))
    let rows = state.tableRows
    let offset = target / rows * rows
    state.selectedRow = target - offset
    if offset == state.offset, state.page.indices.contains(state.selectedRow) {
        state.selectedPrefix = state.page[state.selectedRow].prefix
        return []
    }
    // Another page: forget the focus so the server answers that page, and select by row when it comes.
    state.offset = offset
    state.selectedPrefix = nil
    return refreshNow(&state)
}

/// Edits the one-line input of `/` and `g`: Enter applies, Esc cancels (and clears a filter).
private func editLine(
    _ state: inout MonitorState, _ key: KeyPress, draft: String, apply: (inout MonitorState, String) -> Void
) -> [Effect] {
    let isFilter = if case .filtering = state.mode { true } else { false }
    var draft = draft
    switch key {
    case .enter:
        state.mode = .table
        apply(&state, draft)
        return refreshNow(&state)
    case .escape:
        state.mode = .table
        if isFilter, !state.filter.isEmpty {
            state.filter = ""
            state.offset = 0
            state.selectedRow = 0
            return refreshNow(&state)
        }
        return []
    default:
        guard let edited = editedDraft(draft, key) else { return [] }
        draft = edited
    }
    state.mode = isFilter ? .filtering(draft: draft) : .jumping(draft: draft)
    return []
}

/// A one-line input after `key`: Backspace or Delete removes the last character, a character is
/// added (200 at most); `nil` for any other key.
func editedDraft(_ draft: String, _ key: KeyPress) -> String? {
    var draft = draft
    switch key {
    case .backspace, .delete:
        if !draft.isEmpty { draft.removeLast() }
    case .character(let character):
        if draft.count < 200 { draft.append(character) }
    default:
        return nil
    }
    return draft
}

func describe(_ prefix: PrefixStats) -> String {
    prefix.user.map { "user \($0)" } ?? "the public prefix"
}

func formatInterval(_ seconds: Double) -> String {
    seconds < 1 ? String(format: "%.2gs", seconds) : String(format: "%.1fs", seconds)
}
