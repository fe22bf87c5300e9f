import LatentDiffDiffusion
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// What an `ld_model *` points to: the loaded model and the C strings `ld_model_info` hands out,
/// which live as long as the handle.
final class ModelHandle {
    let model: DiffusionModel
    let codecKind: UnsafeMutablePointer<CChar>
    let dataset: UnsafeMutablePointer<CChar>
    let configJSON: UnsafeMutablePointer<CChar>

    init(model: DiffusionModel) throws(LatentDiffError) {
        guard let codecKind = strdup(model.config.codec.kind.rawValue), let dataset = strdup(model.config.dataset),
              let configJSON = strdup(model.config.json.serialized())
        else { throw .init(.outOfMemory, "cannot allocate the model's description") }
        self.model = model
        self.codecKind = codecKind
        self.dataset = dataset
        self.configJSON = configJSON
    }

    deinit {
        free(codecKind)
        free(dataset)
        free(configJSON)
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    /// The handle behind a pointer from `opaque`; NULL is an invalid-argument error.
    static func from(_ pointer: OpaquePointer?) throws(LatentDiffError) -> ModelHandle {
        guard let pointer else { throw .invalidArgument("model is NULL") }
        return Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release(_ pointer: OpaquePointer?) {
        guard let pointer else { return }
        Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}
