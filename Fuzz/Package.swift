// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the toolkit's parsers, one executable per input format. A package of its
// own, so `swift build` and `swift test` of the toolkit never see them: scripts/fuzz.sh builds
// them with `-sanitize=fuzzer,address`, and each target's `main` hands control to libFuzzer's driver.
let package = Package(
    name: "bootchain-fuzz",
    dependencies: [
        .package(name: "bootchain", path: ".."),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CLibFuzzer",
                .product(name: "BinaryIO", package: "bootchain"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "fuzz-pe",
            dependencies: [
                "FuzzSupport", .product(name: "PEKit", package: "bootchain"),
                .product(name: "BootCrypto", package: "bootchain"), .product(name: "BinaryIO", package: "bootchain"),
            ]
        ),
        .executableTarget(
            name: "fuzz-load-option",
            dependencies: [
                "FuzzSupport", .product(name: "EFIVariables", package: "bootchain"),
                .product(name: "BinaryIO", package: "bootchain"),
            ]
        ),
        .executableTarget(
            name: "fuzz-device-path-text",
            dependencies: [
                "FuzzSupport", .product(name: "EFIVariables", package: "bootchain"),
                .product(name: "BinaryIO", package: "bootchain"),
            ]
        ),
        .executableTarget(
            name: "fuzz-varstore",
            dependencies: [
                "FuzzSupport", .product(name: "EFIVariables", package: "bootchain"),
                .product(name: "BinaryIO", package: "bootchain"),
            ]
        ),
        .executableTarget(
            name: "fuzz-pcrsig",
            dependencies: [
                "FuzzSupport", .product(name: "JSON", package: "bootchain"),
                .product(name: "TPMPolicy", package: "bootchain"),
            ]
        ),
        .executableTarget(
            name: "fuzz-ini",
            dependencies: ["FuzzSupport", .product(name: "UKIAssembly", package: "bootchain")]
        ),
        .executableTarget(
            name: "fuzz-gpt",
            dependencies: [
                "FuzzSupport", .product(name: "EFIVariables", package: "bootchain"),
                .product(name: "BinaryIO", package: "bootchain"),
            ]
        ),
        .executableTarget(
            name: "fuzz-sbat", dependencies: ["FuzzSupport", .product(name: "SBATKit", package: "bootchain")]),
    ],
    swiftLanguageModes: [.v6]
)
