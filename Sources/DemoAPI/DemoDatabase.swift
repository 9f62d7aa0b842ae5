import Foundation
import NIOConcurrencyHelpers

/// The demo API's data: orders per user, made up from the user id on first use, changed by writes.
///
/// Reads cost a few milliseconds of real work, as a dashboard query would, so the difference a cache
/// makes is visible.
public final class DemoDatabase: Sendable {
    /// How much arithmetic a read does; about 2–4 ms on the development machine.
    let workRounds: Int
    private let orders = NIOLockedValueBox<[String: [DemoOrder]]>([:])
    private let displayNames = NIOLockedValueBox<[String: String]>([:])
    private static let epoch = Date(timeIntervalSince1970: 1_780_000_000)

    /// Creates the database.
    ///
    /// - Parameter workRounds: the cost of one read; 0 makes reads free (for tests).
    public init(workRounds: Int = 300_000) {
        self.workRounds = workRounds
    }

    /// The user's orders, newest first.
    public func orders(of user: String) -> [DemoOrder] {
        orders.withLockedValue { orders in
            if let existing = orders[user] { return existing }
            let seeded = Self.seed(user)
            orders[user] = seeded
            return seeded
        }
    }

    /// Adds an order and returns it.
    @discardableResult
    public func addOrder(for user: String, amount: Double?) -> DemoOrder {
        let existing = self.orders(of: user)
        return orders.withLockedValue { orders in
            let list = orders[user] ?? existing
            let order = DemoOrder(
                id: (list.first?.id ?? 0) + 1, amount: amount ?? Double(list.count % 90 + 10), status: "open",
                createdAt: Date())
            orders[user] = [order] + list
            return order
        }
    }

    /// The name the dashboard shows for `user`: `User 42` until renamed.
    public func displayName(of user: String) -> String {
        displayNames.withLockedValue { $0[user] } ?? "User \(user)"
    }

    /// Renames `user`; the summary shows the new name.
    public func rename(_ user: String, to name: String) {
        displayNames.withLockedValue { $0[user] = name }
    }

    public func summary(of user: String) -> DashboardSummary {
        // Taken before the orders are read: a summary of data read before a purge never carries a
        // time after it, so a reader can tell a stale body from a fresh one.
        let computedAt = Date()
        let list = orders(of: user)
        let revenue = list.reduce(0) { $0 + $1.amount }
        return DashboardSummary(
            user: user, displayName: displayName(of: user), orders: list.count, revenue: revenue,
            averageOrder: list.isEmpty ? 0 : revenue / Double(list.count),
            openOrders: list.filter { $0.status == "open" }.count, lastOrderAt: list.first?.createdAt,
            fingerprint: fingerprint(of: list), computedAt: computedAt)
    }

    public func ordersPage(of user: String, page: Int, pageSize: Int = 10) -> OrdersPage {
        let list = orders(of: user)
        _ = fingerprint(of: list)
        let start = min((page - 1) * pageSize, list.count)
        return OrdersPage(
            user: user, page: page, pageSize: pageSize, total: list.count,
            orders: Array(list[start..<min(start + pageSize, list.count)]))
    }

    /// Every tenth user has something to be told; the rest get `[]`.
    public func alerts(of user: String) -> [DemoAlert] {
        let list = orders(of: user)
        _ = fingerprint(of: list)
        guard Self.hash(user) % 10 == 0 else { return [] }
        return [DemoAlert(level: "warning", message: "\(list.filter { $0.status == "open" }.count) orders are open")]
    }

    /// The "query": real arithmetic over the orders, `workRounds` rounds of it.
    private func fingerprint(of list: [DemoOrder]) -> String {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        for round in 0..<max(workRounds, 1) {
            let order = list.isEmpty ? 0 : list[round % list.count].id
            state = (state ^ UInt64(truncatingIfNeeded: order &+ round)) &* 0x100_0000_01b3
        }
        return String(state, radix: 16)
    }

    private static func seed(_ user: String) -> [DemoOrder] {
        let base = hash(user)
        let count = Int(base % 40) + 5
        return (0..<count).map { index in
            let id = count - index
            return DemoOrder(
                id: id, amount: Double((base >> 8 &+ UInt64(id) &* 7919) % 20_000) / 100,
                status: index < 2 ? "open" : "shipped", createdAt: epoch.addingTimeInterval(Double(id) * 3600))
        }
    }

    static func hash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
