/// Why bytes from the server could not be read as RESP; the connection cannot be trusted after it.
public enum RESPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A type byte RESP does not define.
    case unknownType(UInt8)
    /// A length, integer, double or boolean that does not parse.
    case malformed(String)
    /// Nested deeper than the decoder allows.
    case tooDeep(limit: Int)
    /// An aggregate with more elements than allowed.
    case tooManyElements(Int, limit: Int)
    /// A bulk value larger than allowed.
    case bulkTooLarge(Int, limit: Int)
    /// A line (simple string, error, number, length) longer than the bulk limit.
    case lineTooLong(limit: Int)

    public var description: String {
        switch self {
        case .unknownType(let byte): "unknown RESP type byte 0x\(String(byte, radix: 16))"
        case .malformed(let reason): "malformed RESP: \(reason)"
        case .tooDeep(let limit): "RESP value nested deeper than \(limit) levels"
        case .tooManyElements(let count, let limit): "RESP aggregate of \(count) elements, over the limit of \(limit)"
        case .bulkTooLarge(let size, let limit): "RESP bulk value of \(size) bytes, over the limit of \(limit)"
        case .lineTooLong(let limit): "RESP line longer than \(limit) bytes"
        }
    }
}
