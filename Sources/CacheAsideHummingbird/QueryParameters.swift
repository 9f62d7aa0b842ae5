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

    /// A signed 64-bit integer; range checks are the caller's (a negative `offset` is a 400 there).
    func integer(_ name: Substring, default value: Int) throws -> Int {
        guard let text = parameters[name] else { return value }
        guard let number = Int(text) else {
            throw AdminError.badRequest("\(name) must be a 64-bit integer (at most \(Int.max)), got \"\(text)\"")
        }
        return number
    }

    /// An unsigned 64-bit integer, such as an event sequence number: 0 to 18446744073709551615.
    func unsigned(_ name: Substring, default value: UInt64) throws -> UInt64 {
        guard let text = parameters[name] else { return value }
        guard let number = UInt64(text) else {
            throw AdminError.badRequest("\(name) must be an integer from 0 to \(UInt64.max), got \"\(text)\"")
        }
        return number
    }

    /// A number of seconds, such as `0.5`, within `range`.
    func seconds(_ name: Substring, default value: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let text = parameters[name] else { return value }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw AdminError.badRequest(
                "\(name) must be a number of seconds from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
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
