// swift-tools-version:6.0
import PackageDescription

// Dependency rule (ARCHITECTURE.md): BinaryIO is at the bottom; each C module is imported by
// exactly one library with `internal import`; no library imports ArgumentParser; executables
// import libraries and ToolSupport only.
let package = Package(
    name: "bootchain",
    products: [
        .executable(name: "ukify", targets: ["ukify"]),
        .executable(name: "measure", targets: ["measure"]),
        .executable(name: "sbat", targets: ["sbat"]),
        .executable(name: "bootctl", targets: ["bootctl"]),
        .library(name: "PEKit", targets: ["PEKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CElf",
            pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]
        ),
        .systemLibrary(
            name: "CEFIVar",
            pkgConfig: "efiboot",
            providers: [.apt(["libefiboot-dev", "libefivar-dev"])]
        ),
        .systemLibrary(
            name: "CTSS2",
            pkgConfig: "tss2-esys",
            providers: [.apt(["libtss2-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(name: "JSON"),
        .target(
            name: "BinaryIO",
            dependencies: ["CLinux", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "BootCrypto",
            dependencies: [
                "COpenSSL", "BinaryIO", .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "PEKit",
            dependencies: ["BinaryIO", "BootCrypto", "CElf", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "TPMPolicy",
            dependencies: [
                "CTSS2", "BinaryIO", "BootCrypto", "PEKit", "JSON",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "EFIVariables",
            dependencies: ["CEFIVar", "BinaryIO", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "BootEntries",
            dependencies: [
                "BinaryIO", "PEKit", "EFIVariables", .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "SBATKit",
            dependencies: [
                "BinaryIO", "PEKit", "EFIVariables", .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "ToolSupport",
            dependencies: [
                "BinaryIO", "BootCrypto", "PEKit", "JSON", "TPMPolicy", "SBATKit", "EFIVariables", "BootEntries",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "ukify",
            dependencies: [
                "PEKit", "TPMPolicy", "JSON", "ToolSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "measure",
            dependencies: [
                "PEKit", "TPMPolicy", "BootCrypto", "JSON", "ToolSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "sbat",
            dependencies: [
                "PEKit", "SBATKit", "EFIVariables", "JSON", "ToolSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "bootctl",
            dependencies: [
                "EFIVariables", "BootEntries", "JSON", "ToolSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "SBATKitTests",
            dependencies: [
                "SBATKit", "PEKit", "BinaryIO", "EFIVariables", "JSON", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "SbatCLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "BootctlCLITests", dependencies: ["TestSupport", "JSON"]),
        .testTarget(
            name: "BootEntriesTests",
            dependencies: [
                "BootEntries", "EFIVariables", "BinaryIO", "JSON", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "EFIVariablesTests", dependencies: ["EFIVariables", "BinaryIO", "JSON", "TestSupport"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(
            name: "TPMPolicyTests",
            dependencies: [
                "TPMPolicy", "PEKit", "BootCrypto", "BinaryIO", "JSON", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "BinaryIOTests", dependencies: ["BinaryIO", "TestSupport"]),
        .testTarget(name: "BootCryptoTests", dependencies: ["BootCrypto"]),
        .testTarget(
            name: "PEKitTests",
            dependencies: [
                "PEKit", "BinaryIO", "BootCrypto", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "ToolSupportTests", dependencies: ["ToolSupport", "PEKit", "TestSupport"]),
        .testTarget(
            name: "UkifyCLITests",
            dependencies: [
                "PEKit", "BinaryIO", "TestSupport", .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "MeasureCLITests", dependencies: ["TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "PEKit", "BinaryIO", "TestSupport", .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
