import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

private let emptyText: StaticString = ""

@c public func ld_version() -> UnsafePointer<CChar> {
    LatentDiffVersion.cString
}

@c public func ld_abi_version() -> Int32 {
    Int32(LD_ABI_VERSION)
}

/// ld_sampler_name's names, indexed by the ld_sampler value: SamplerSettings.Kind's raw values
/// (the command line's names).
private let samplerNames: [StaticString] = ["dpm++", "ddim", "ddpm", "euler", "euler-a", "heun", "dpm++3m"]

/// ld_spacing_name's names, indexed by the ld_spacing value: "default", then
/// NoiseSchedule.Spacing's raw values (the command line's names; `spacingKinds` maps them).
let spacingNames: [StaticString] = ["default", "uniform", "trailing", "logsnr", "karras"]

/// `names[value]` as a static C string, or NULL for a value past the table: ld_*_name.
private func staticName(_ names: [StaticString], _ value: UInt32) -> UnsafePointer<CChar>? {
    guard Int(value) < names.count else { return nil }
    return UnsafeRawPointer(names[Int(value)].utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The index of the C string `name` in `names` into `out`: ld_*_from_name, for the enum `what`.
private func valueNamed(_ function: String, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UInt32>?,
                        names: [StaticString], what: String) -> Int32 {
    withStatus(function) { () throws(LatentDiffError) in
        let name = String(cString: try required(name, "name"))
        let out = try required(out, "out_\(what)")
        guard let index = names.firstIndex(where: { $0.description == name }) else {
            throw .invalidArgument("unknown \(what) '\(name)': \(names.map(\.description).joined(separator: ", "))")
        }
        out.pointee = UInt32(index)
    }
}

@c public func ld_sampler_name(_ sampler: UInt32) -> UnsafePointer<CChar>? {
    staticName(samplerNames, sampler)
}

@c public func ld_sampler_from_name(_ name: UnsafePointer<CChar>?, _ outSampler: UnsafeMutablePointer<UInt32>?) -> Int32 {
    valueNamed("ld_sampler_from_name", name, outSampler, names: samplerNames, what: "sampler")
}

@c public func ld_spacing_name(_ spacing: UInt32) -> UnsafePointer<CChar>? {
    staticName(spacingNames, spacing)
}

@c public func ld_spacing_from_name(_ name: UnsafePointer<CChar>?, _ outSpacing: UnsafeMutablePointer<UInt32>?) -> Int32 {
    valueNamed("ld_spacing_from_name", name, outSpacing, names: spacingNames, what: "spacing")
}

@c public func ld_status_string(_ status: Int32) -> UnsafePointer<CChar> {
    let name: StaticString
    switch status {
    case 0: name = "LD_OK"
    case -1: name = "LD_ERR_INVALID_ARGUMENT"
    case -2: name = "LD_ERR_IO"
    case -3: name = "LD_ERR_FORMAT"
    case -4: name = "LD_ERR_OUT_OF_MEMORY"
    case -5: name = "LD_ERR_UNSUPPORTED"
    case -6: name = "LD_ERR_CANCELLED"
    case -7: name = "LD_ERR_INTERNAL"
    case -8: name = "LD_ERR_NUMERIC"
    default: name = "LD_ERR_UNKNOWN"
    }
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

@c public func ld_last_error() -> UnsafePointer<CChar> {
    if let text = pthread_getspecific(lastErrorKey) {
        return UnsafePointer(text.assumingMemoryBound(to: CChar.self))
    }
    return UnsafeRawPointer(emptyText.utf8Start).assumingMemoryBound(to: CChar.self)
}
