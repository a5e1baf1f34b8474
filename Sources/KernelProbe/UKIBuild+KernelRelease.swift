import PEKit

extension UKIBuild {
    /// Plans `request`, detecting the kernel's release for `.uname` when the request gives none.
    public init(_ request: UKIRequest) throws {
        try self.init(request, kernelRelease: KernelRelease.detect)
    }
}
