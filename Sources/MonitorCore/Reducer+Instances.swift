import CacheAdminAPI
import Foundation

/// `i`: opens the instances view and asks for the list at once; every poll refreshes it while it is open.
func showInstances(_ state: inout MonitorState) -> [Effect] {
    state.mode = .instances
    state.instancesScroll = 0
    return fetchInstances(&state).map { [$0] } ?? []
}

/// The request for the instances list, unless one is on its way already.
func fetchInstances(_ state: inout MonitorState) -> Effect? {
    guard !state.instancesInFlight else { return nil }
    state.instancesInFlight = true
    return .fetchInstances
}

func handleInstancesViewKey(_ state: inout MonitorState, _ key: KeyPress) -> [Effect] {
    let count = state.instances?.instances.count ?? 0
    switch key {
    case .escape, .character("q"), .character("i"), .backspace:
        state.mode = .table
    case .down, .character("j"):
        state.instancesScroll = min(state.instancesScroll + 1, max(0, count - 1))
    case .up, .character("k"):
        state.instancesScroll = max(0, state.instancesScroll - 1)
    case .home:
        state.instancesScroll = 0
    case .end:
        state.instancesScroll = max(0, count - 1)
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

func applyInstances(_ state: inout MonitorState, _ list: InstanceList) {
    state.instancesInFlight = false
    state.instances = list
    state.instancesScroll = min(state.instancesScroll, max(0, list.instances.count - 1))
}

func applyInstancesFailure(_ state: inout MonitorState, _ error: AdminClientError) {
    state.instancesInFlight = false
    guard state.mode == .instances else { return }
    // A server from before the instances list answers 404: say that, not just the status.
    if case .rejected(let status, _) = error, status == 404 {
        state.status = .init(text: "this server lists no instances (it predates GET /_cache/instances)", kind: .error)
    } else {
        state.status = .init(text: "instances: \(error)", kind: .error)
    }
}
