import Foundation

/// Draws ranks 1…n with probability proportional to 1/rank^exponent: a few users and pages get most
/// of the traffic, as on a real dashboard.
struct ZipfDistribution: Sendable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double = 1.1) {
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(max(count, 1))
        for rank in 1...max(count, 1) {
            total += 1 / pow(Double(rank), exponent)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    /// A rank from 1 to the count.
    func sample(using generator: inout some RandomNumberGenerator) -> Int {
        let target = Double.random(in: 0..<1, using: &generator)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low + 1
    }
}
