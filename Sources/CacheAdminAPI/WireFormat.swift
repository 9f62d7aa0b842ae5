import Foundation

/// The JSON settings both ends of the admin API use: ISO 8601 times with milliseconds, sorted keys.
///
/// ```swift
/// let body = try WireFormat.encoder().encode(snapshot)
/// let again = try WireFormat.decoder().decode(StatsSnapshot.self, from: body)
/// ```
public enum WireFormat {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// A JSON encoder for the admin API's types.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(style))
        }
        return encoder
    }

    /// A JSON decoder for the admin API's types; it accepts times with or without fractional seconds.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? style.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an ISO 8601 time, got \(text)")
        }
        return decoder
    }
}
