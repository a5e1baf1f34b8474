import PEKit

extension UKIBuild {
    /// Plans `request`, embedding a compressed kernel decompressed and detecting the kernel's
    /// release for `.uname` when the request gives none.
    public init(_ request: UKIRequest) throws {
        try self.init(
            request, loadableKernel: { try CompressedKernel.loadable($0) }, kernelRelease: KernelRelease.detect)
    }
}
