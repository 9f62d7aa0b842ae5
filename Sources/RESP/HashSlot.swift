/// Redis Cluster's hash slots: which of the 16,384 slots a key belongs to, and a short hash tag
/// for each slot, so a key can be put in a chosen slot.
///
/// A key's slot is CRC16/XMODEM of its bytes modulo 16,384, or of its hash tag when it has one:
/// the bytes between its first `{` and the first `}` after it, if there are any (`{}x` has none,
/// so the whole key is hashed; in `x{a}{b}` only `a` counts; `{a` has no tag).
///
/// ```swift
/// HashSlot.slot(of: "api:{u:42}#m")      // 8980, the slot of "u:42"
/// HashSlot.tag(forSlot: 8960)            // "05c": "{05c}anything" is in slot 8960
/// ```
public enum HashSlot {
    /// How many slots a cluster has.
    public static let count = 16_384

    /// The slot of `key`, by the same rule as Redis's `CLUSTER KEYSLOT`.
    public static func slot(of key: String) -> Int {
        let bytes = Array(key.utf8)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
            let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        {
            return Int(crc16(bytes[(open + 1)..<close])) & (count - 1)
        }
        return Int(crc16(bytes)) & (count - 1)
    }

    /// CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection): the checksum Redis
    /// Cluster hashes keys with. Its check value, of `123456789`, is `0x31C3`.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ crcTable[Int((crc >> 8) ^ UInt16(byte))]
        }
        return crc
    }

    /// The shortest string over `[0-9a-z]` whose slot is `slot`, the first in ASCII order among
    /// those of its length: `{tag}` puts a key in that slot.
    ///
    /// The table is built once, on first use, by trying every string of length 1, then 2, 3 and
    /// 4 in ASCII order until each slot has one: 60,822 candidates (all of lengths 1 to 3 and the
    /// first 12,834 of length 4; 36 tags have 1 character, 1,104 have 2, 15,159 have 3 and 85 have
    /// 4): a few milliseconds, once per process.
    ///
    /// - Precondition: `slot` is in `0..<HashSlot.count`.
    public static func tag(forSlot slot: Int) -> String {
        precondition((0..<count).contains(slot), "slot \(slot) is not in 0..<\(count)")
        return tags[slot]
    }

    private static let crcTable: [UInt16] = (0..<256).map { (byte: Int) -> UInt16 in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }

    /// Every slot's tag (see ``tag(forSlot:)``); a slot no string of up to 4 characters reaches
    /// would hold "", which does not happen (checked by the tests).
    private static let tags: [String] = {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        var tags = [String](repeating: "", count: HashSlot.count)
        var missing = HashSlot.count
        for length in 1...4 where missing > 0 {
            // An odometer over the alphabet, the last position turning fastest: ASCII order.
            var digits = [Int](repeating: 0, count: length)
            var candidate = [UInt8](repeating: alphabet[0], count: length)
            while missing > 0 {
                let slot = Int(HashSlot.crc16(candidate)) & (HashSlot.count - 1)
                if tags[slot].isEmpty {
                    tags[slot] = String(decoding: candidate, as: UTF8.self)
                    missing -= 1
                }
                var position = length - 1
                while position >= 0 {
                    digits[position] += 1
                    if digits[position] < alphabet.count {
                        candidate[position] = alphabet[digits[position]]
                        break
                    }
                    digits[position] = 0
                    candidate[position] = alphabet[0]
                    position -= 1
                }
                if position < 0 { break }
            }
        }
        return tags
    }()
}
