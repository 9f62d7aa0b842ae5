import NIOCore

/// A RESP2 or RESP3 value, as Redis sends it.
///
/// Null is its own case: an empty bulk string (`$0\r\n\r\n`) is `.bulkString` with no bytes, a
/// null bulk string (`$-1\r\n`), null array (`*-1\r\n`) and RESP3 null (`_\r\n`) are all `.null`.
public enum RESPValue: Hashable, Sendable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString(ByteBuffer)
    case array([RESPValue])
    case null
    // RESP3
    case double(Double)
    case boolean(Bool)
    case bigNumber(String)
    case bulkError(String)
    case verbatimString(format: String, text: String)
    case map([RESPValue: RESPValue])
    case set([RESPValue])
    case push([RESPValue])

    /// A bulk string of `text`'s UTF-8 bytes.
    public static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    /// The value as text, for simple, bulk and verbatim strings.
    public var string: String? {
        switch self {
        case .simpleString(let text), .bigNumber(let text): text
        case .bulkString(let buffer): String(buffer: buffer)
        case .verbatimString(_, let text): text
        default: nil
        }
    }

    /// The value as an integer, for integers and bulk strings that hold one.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString(let buffer): Int64(String(buffer: buffer))
        default: nil
        }
    }

    /// The error message, for simple and bulk errors.
    public var errorMessage: String? {
        switch self {
        case .error(let message), .bulkError(let message): message
        default: nil
        }
    }
}
