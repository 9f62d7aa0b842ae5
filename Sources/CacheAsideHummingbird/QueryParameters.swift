import CacheAside
import Hummingbird
import HummingbirdCore

/// Reads query parameters strictly: a value that is present but malformed is a 400, never a default.
package struct QueryParameters {
    let parameters: FlatDictionary<Substring, Substring>

    init(_ request: Request) { self.init(request.uri) }

    /// The parameters of `uri`'s query, as Hummingbird splits and decodes them.
    package init(_ uri: URI) { parameters = uri.queryParameters }

    func text(_ name: Substring) -> String? { parameters[name].map(String.init) }

    func integer(_ name: Substring, default value: Int) throws -> Int {
        guard let text = parameters[name] else { return value }
        guard let number = Int(text) else { throw AdminError.badRequest("\(name) must be an integer, got \"\(text)\"") }
        return number
    }

    func enumeration<T: RawRepresentable & CaseIterable>(_ name: Substring, default value: T) throws -> T
    where T.RawValue == String {
        guard let text = parameters[name] else { return value }
        guard let parsed = T(rawValue: String(text)) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw AdminError.badRequest("\(name) must be one of \(allowed), got \"\(text)\"")
        }
        return parsed
    }
}
