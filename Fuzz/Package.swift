// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the toolkit's parsers, one executable per input format. A package of its
// own, so `swift build` and `swift test` of the toolkit never see them: scripts/fuzz.sh builds
// them with `-sanitize=fuzzer,address`, and each target's `main` hands control to libFuzzer's driver.

/// One fuzz target: FuzzSupport and the toolkit's `products` it exercises.
func fuzzTarget(_ name: String, linking products: [String]) -> Target {
    .executableTarget(
        name: name, dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: "bootchain") })
}

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
        fuzzTarget("fuzz-pe", linking: ["PEKit", "BootCrypto", "BinaryIO"]),
        fuzzTarget("fuzz-load-option", linking: ["EFIVariables", "BinaryIO"]),
        fuzzTarget("fuzz-device-path-text", linking: ["EFIVariables", "BinaryIO"]),
        fuzzTarget("fuzz-varstore", linking: ["EFIVariables", "BinaryIO"]),
        fuzzTarget("fuzz-pcrsig", linking: ["JSON", "TPMPolicy"]),
        fuzzTarget("fuzz-ini", linking: ["UKIAssembly"]),
        fuzzTarget("fuzz-gpt", linking: ["EFIVariables", "BinaryIO"]),
        fuzzTarget("fuzz-sbat", linking: ["SBATKit"]),
    ],
    swiftLanguageModes: [.v6]
)
