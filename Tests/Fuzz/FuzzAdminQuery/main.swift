import CacheAdminAPI
import CacheAside
import CacheAsideHummingbird
import Foundation
import Hummingbird
import HummingbirdCore

// The admin API's inputs: the query strings of stats, keys and events, the prefix path segment
// of keys, and the purge body, parsed by the same functions the routes call. The first byte
// picks the input; the rest is it. Any input is either accepted or refused with an AdminError
// (a 400), never another error or a crash; an accepted prefix names exactly
// the text sent, and an accepted purge body reads back from its own JSON.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminQuery(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let selector = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    let text = String(decoding: rest, as: UTF8.self)
    switch selector % 4 {
    case 0: checkStats(text)
    case 1: checkEvents(text)
    case 2: checkKeys(text)
    default: checkPurge(rest)
    }
    return 0
}

/// Runs `body`, stopping the run if it throws anything but an ``AdminError``.
func refusedOrAccepted<T>(_ input: String, _ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch is AdminError {
        return nil
    } catch {
        fatalError("\(input.debugDescription) threw \(error), not an AdminError")
    }
}

func checkStats(_ query: String) {
    let uri = URI("/_cache/stats?" + query)
    guard let stats = refusedOrAccepted(query, { try AdminQuery.stats(QueryParameters(uri)) }) else { return }
    _ = try? stats.validate()
}

func checkEvents(_ query: String) {
    _ = refusedOrAccepted(query) { try AdminQuery.events(QueryParameters(URI("/_cache/events?" + query))) }
}

/// The part before the first `?` is the path segment as routed, the rest the query.
func checkKeys(_ input: String) {
    let (segment, query) =
        input.firstIndex(of: "?").map { (String(input[..<$0]), String(input[input.index(after: $0)...])) }
        ?? (input, "")
    if let prefix = refusedOrAccepted(segment, { try AdminQuery.keysPrefix(segment, namespace: "api") }) {
        let text = segment.removingPercentEncoding ?? segment
        guard Array(prefix.rawValue.utf8) == Array(text.utf8) else {
            fatalError("\(segment.debugDescription) names the prefix \(prefix.rawValue.debugDescription)")
        }
    }
    _ = refusedOrAccepted(query) { try AdminQuery.keysPage(QueryParameters(URI("/_cache/prefixes/p/keys?" + query))) }
}

/// An accepted body, written back as JSON, is accepted again as the same request.
func checkPurge(_ body: [UInt8]) {
    let request: PurgeRequest
    do {
        request = try PurgeRequest(json: body)
    } catch {
        return
    }
    var object: [String: String] =
        switch request.target {
        case .user(let user): ["user": user]
        case .prefix(let prefix): ["prefix": prefix]
        }
    if let reason = request.reason { object["reason"] = reason }
    if let origin = request.origin { object["origin"] = origin }
    guard let again = try? JSONSerialization.data(withJSONObject: object),
        (try? PurgeRequest(json: Array(again))) == request
    else {
        fatalError("\(request) does not read back from its own JSON")
    }
}
