// swift-tools-version: 6.0
import PackageDescription

/// One settings array for every target: Swift 6 mode is the package default; these two keep
/// existential types explicit and imports honest.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cachemon",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CacheAside", targets: ["CacheAside"]),
        .library(name: "CacheStatsProtocol", targets: ["CacheStatsProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0")
    ],
    targets: [
        .target(
            name: "CacheStatsProtocol",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheAside",
            dependencies: [
                "CacheStatsProtocol",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CacheStatsProtocolTests",
            dependencies: ["CacheStatsProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CacheAsideTests",
            dependencies: [
                "CacheAside",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
