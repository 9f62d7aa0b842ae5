// swift-tools-version: 6.1
import PackageDescription

import class Foundation.ProcessInfo

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
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
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
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
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
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The benchmark harness is added only for `make bench` (CACHEMON_BENCHMARKS=1, its own build folder),
// so `make test` and users of the library never resolve or build it.
if ProcessInfo.processInfo.environment["CACHEMON_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "CacheAsideBenchmarks",
            dependencies: ["CacheAside", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/CacheAsideBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
