import Foundation

/// One order of the demo shop.
public struct DemoOrder: Codable, Sendable, Equatable {
    public var id: Int
    public var amount: Double
    public var status: String
    public var createdAt: Date
}

/// `GET /api/users/{user}/dashboard/summary`.
public struct DashboardSummary: Codable, Sendable, Equatable {
    public var user: String
    /// Changed by `PATCH /api/users/{user}/profile`, which forgets to purge (the demo's bug).
    public var displayName: String
    public var orders: Int
    public var revenue: Double
    public var averageOrder: Double
    public var openOrders: Int
    public var lastOrderAt: Date?
    /// A digest of the user's orders: it changes whenever they do, so a stale page is easy to spot.
    public var fingerprint: String
    /// When the orders behind it were read; encoded to the millisecond, so a reader can tell a body
    /// computed before a purge from one computed after it.
    public var computedAt: Date
}

/// `GET /api/users/{user}/orders?page=N`.
public struct OrdersPage: Codable, Sendable, Equatable {
    public var user: String
    public var page: Int
    public var pageSize: Int
    public var total: Int
    public var orders: [DemoOrder]
}

/// `GET /api/users/{user}/alerts`: empty for most users.
public struct DemoAlert: Codable, Sendable, Equatable {
    public var level: String
    public var message: String
}

/// The body of `POST /api/users/{user}/orders`; every field is optional.
public struct NewOrder: Codable, Sendable {
    public var amount: Double?
}

/// The body of `PATCH /api/users/{user}/profile`.
public struct ProfileChange: Codable, Sendable {
    public var displayName: String?
}
