/// A value for every ``CacheCounter``, read and written by name.
///
/// ```swift
/// var counters: CounterValues = [.hits: 9, .misses: 1]
/// counters[.hits] += 1
/// counters.add(other)
/// ```
public struct CounterValues: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    private var values = [UInt64](repeating: 0, count: CacheCounter.ordered.count)

    /// Every counter at zero.
    public init() {}

    /// The given counters; the others are zero.
    public init(dictionaryLiteral elements: (CacheCounter, UInt64)...) {
        for (counter, value) in elements { self[counter] = value }
    }

    /// The value of one counter.
    public subscript(counter: CacheCounter) -> UInt64 {
        get { values[counter.ordinal] }
        set { values[counter.ordinal] = newValue }
    }

    /// Adds every counter of `other`, saturating at `UInt64.max`.
    public mutating func add(_ other: CounterValues) {
        for index in values.indices {
            let (sum, overflow) = values[index].addingReportingOverflow(other.values[index])
            values[index] = overflow ? .max : sum
        }
    }

    /// Hits over hits plus misses, or `nil` before the first lookup.
    public var hitRatio: Double? {
        let lookups = self[.hits] + self[.misses]
        return lookups == 0 ? nil : Double(self[.hits]) / Double(lookups)
    }
}

extension CounterValues {
    /// The coding key of a counter: its raw name.
    struct FieldName: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ counter: CacheCounter) { stringValue = counter.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Writes every counter as a field of the enclosing object, under its raw name.
    func encode(into encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldName.self)
        for counter in CacheCounter.ordered { try container.encode(self[counter], forKey: FieldName(counter)) }
    }

    /// Reads every counter by its raw name from the enclosing object; an absent one is zero, so an
    /// older server's answers still decode.
    init(decodingFrom decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldName.self)
        self.init()
        for counter in CacheCounter.ordered {
            self[counter] = try container.decodeIfPresent(UInt64.self, forKey: FieldName(counter)) ?? 0
        }
    }
}
