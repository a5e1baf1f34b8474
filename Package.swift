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
        // The parsers' libraries, for the fuzz package in Fuzz/ (scripts/fuzz.sh).
        .library(name: "BinaryIO", targets: ["BinaryIO"]),
        .library(name: "BootCrypto", targets: ["BootCrypto"]),
        .library(name: "EFIVariables", targets: ["EFIVariables"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "TPMPolicy", targets: ["TPMPolicy"]),
        .library(name: "UKIAssembly", targets: ["UKIAssembly"]),
        .library(name: "SBATKit", targets: ["SBATKit"]),
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
        // tss2 in two wrappers, one per importer: marshalling and response-code text for the policy
        // math (ukify links no ESYS/TCTI), ESYS and the TCTI loader (+ marshalling) for the device
        // client. Both include the same tss2 type headers; each importer sees only its own module.
        .systemLibrary(
            name: "CTSS2MU",
            pkgConfig: "tss2-mu",
            providers: [.apt(["libtss2-dev"])]
        ),
        .systemLibrary(
            name: "CTSS2ESYS",
            pkgConfig: "tss2-esys",
            providers: [.apt(["libtss2-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // Debian's libbz2-dev ships no pkg-config file: the module map links libbz2 itself.
        .systemLibrary(name: "CBZip2", providers: [.apt(["libbz2-dev"])]),
        .target(name: "JSON"),
        .target(
            name: "BinaryIO",
            dependencies: ["CLinux", "CZlib", .product(name: "SystemPackage", package: "swift-system")]
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
            dependencies: ["BinaryIO", "BootCrypto", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Kernel inputs: release probing (`uname -r` of a bzImage, an ELF vmlinux through libelf, or
        // any image) and compressed kernels (gzip through BinaryIO's zlib, zstd, xz/lzma, lz4, bzip2):
        // ukify's build path only, so tools that read PEs link neither libelf nor the decompressors.
        .target(
            name: "KernelProbe",
            dependencies: [
                "BinaryIO", "PEKit", "CElf", "CZstd", "CLZMA", "CLZ4", "CBZip2",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "TPMPolicy",
            dependencies: [
                "CTSS2MU", "BinaryIO", "BootCrypto", "PEKit", "JSON",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The TPM itself (ESYS over any TCTI): measure's `status` and the swtpm tests only, so ukify
        // links no libtss2-esys/tctildr.
        .target(name: "TPMDevice", dependencies: ["CTSS2ESYS", "BinaryIO", "BootCrypto", "TPMPolicy"]),
        .target(
            name: "EFIVariables",
            dependencies: ["BinaryIO", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // The device path and GPT partition of a file on a mounted disk, from libefiboot as efibootmgr
        // makes them: bootctl's only, so ukify and sbat (EFI variables, device paths) link no libefivar.
        .target(
            name: "PartitionProbe",
            dependencies: [
                "CEFIVar", "BinaryIO", "EFIVariables", .product(name: "SystemPackage", package: "swift-system"),
            ]
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
        // What every tool shares: --json, errors → message + exit code (by each error's category, so
        // no library is needed here), the INI reader, FilePath arguments.
        .target(
            name: "ToolSupport",
            dependencies: [
                "BinaryIO", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The PCR 11 command line ukify and measure share: banks and phase paths as arguments.
        .target(
            name: "PCRCLI",
            dependencies: [
                "BootCrypto", "TPMPolicy", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `ukify build` as one walk: settings (command line + ukify.conf) → request and plans →
        // the UKI with each profile's PCR 11 signatures → Secure Boot signing → output.
        .target(
            name: "UKIAssembly",
            dependencies: [
                "BinaryIO", "BootCrypto", "PEKit", "KernelProbe", "TPMPolicy", "SBATKit", "JSON",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // `ukify build`'s options as UKIAssembly's settings (unit-tested).
        .target(
            name: "UkifyCLI",
            dependencies: [
                "BinaryIO", "BootCrypto", "PEKit", "TPMPolicy", "JSON", "PCRCLI", "ToolSupport", "UKIAssembly",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // `bootctl list`'s rendering (unit-tested).
        .target(name: "BootctlCLI", dependencies: ["BinaryIO", "BootEntries", "EFIVariables", "JSON"]),
        .executableTarget(
            name: "ukify",
            dependencies: [
                "BinaryIO", "BootCrypto", "PEKit", "KernelProbe", "SBATKit", "JSON", "PCRCLI", "ToolSupport",
                "UkifyCLI", "UKIAssembly", "TPMPolicy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "measure",
            dependencies: [
                "BinaryIO", "BootCrypto", "PEKit", "TPMPolicy", "TPMDevice", "JSON", "PCRCLI", "ToolSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "sbat",
            dependencies: [
                "BinaryIO", "PEKit", "SBATKit", "EFIVariables", "JSON", "ToolSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "bootctl",
            dependencies: [
                "BinaryIO", "EFIVariables", "PartitionProbe", "BootEntries", "JSON", "ToolSupport", "BootctlCLI",
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
        .testTarget(name: "BootctlCLITests", dependencies: ["BootctlCLI", "BinaryIO", "TestSupport", "JSON"]),
        .testTarget(
            name: "BootEntriesTests",
            dependencies: [
                "BootEntries", "EFIVariables", "BinaryIO", "JSON", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "EFIVariablesTests",
            dependencies: ["EFIVariables", "PartitionProbe", "BinaryIO", "JSON", "TestSupport"]
        ),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(
            name: "TPMPolicyTests",
            dependencies: [
                "TPMPolicy", "PEKit", "BootCrypto", "BinaryIO", "JSON", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "TPMDeviceTests",
            dependencies: [
                "TPMDevice", "TPMPolicy", "PEKit", "BootCrypto", "BinaryIO", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "BinaryIOTests", dependencies: ["BinaryIO", "TestSupport"]),
        .testTarget(name: "BootCryptoTests", dependencies: ["BootCrypto", "TestSupport"]),
        .testTarget(
            name: "PEKitTests",
            dependencies: [
                "PEKit", "KernelProbe", "BinaryIO", "BootCrypto", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "KernelProbeTests",
            dependencies: [
                "KernelProbe", "PEKit", "BinaryIO", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "ToolSupportTests",
            dependencies: [
                "ToolSupport", "PEKit", "BinaryIO", "JSON", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "UKIAssemblyTests",
            dependencies: [
                "UKIAssembly", "PEKit", "TPMPolicy", "BinaryIO", "JSON", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "UkifyCLITests",
            dependencies: [
                "UkifyCLI", "UKIAssembly", "ToolSupport", "PEKit", "BinaryIO", "BootCrypto", "TPMPolicy", "TPMDevice",
                "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "MeasureCLITests", dependencies: ["TestSupport"]),
        // Races and faults across the built tools: parallel writers, kill -9 at random points.
        .testTarget(name: "SafetyCLITests", dependencies: ["TestSupport", "JSON"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "PEKit", "BinaryIO", "BootCrypto", "TPMPolicy", "TPMDevice", "TestSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
