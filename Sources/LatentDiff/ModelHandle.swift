import LatentDiffDiffusion
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// What an `ld_model *` points to: the loaded model and the C strings `ld_model_info` hands out,
/// which live as long as the handle.
///
/// Freeing the last live model also empties `BufferCache.shared`, which otherwise keeps up to a
/// quarter of the physical memory (at least 1 GiB) in released tensor buffers for reuse: a host
/// that loads models of other sizes in turn would see that memory pile up, and one that frees
/// every model would never get it back.
final class ModelHandle {
    nonisolated(unsafe) private static var live = 0
    private static let liveLock = Mutex()

    let model: DiffusionModel
    let codecKind: UnsafeMutablePointer<CChar>
    let dataset: UnsafeMutablePointer<CChar>
    let configJSON: UnsafeMutablePointer<CChar>
    /// class_count C strings (ld_model_desc.class_names); nil for an unconditional model.
    let classNames: UnsafeMutablePointer<UnsafePointer<CChar>?>?

    init(model: DiffusionModel) throws(LatentDiffError) {
        guard let codecKind = strdup(model.config.codec.kind.rawValue), let dataset = strdup(model.config.dataset),
              let configJSON = strdup(model.config.json.serialized())
        else { throw .init(.outOfMemory, "cannot allocate the model's description") }
        self.model = model
        self.codecKind = codecKind
        self.dataset = dataset
        self.configJSON = configJSON
        let names = model.config.classNames
        if names.isEmpty {
            classNames = nil
        } else {
            let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: names.count)
            for (i, name) in names.enumerated() { array[i] = UnsafePointer(strdup(name)) }
            classNames = array
            guard (0..<names.count).allSatisfy({ array[$0] != nil }) else {
                throw .init(.outOfMemory, "cannot allocate the model's class names")
            }
        }
    }

    deinit {
        free(codecKind)
        free(dataset)
        free(configJSON)
        if let classNames {
            for i in 0..<model.config.classNames.count { free(UnsafeMutableRawPointer(mutating: classNames[i])) }
            classNames.deallocate()
        }
    }

    /// A retained pointer for C, counted as a live model until `release`.
    func retainedPointer() -> OpaquePointer {
        Self.liveLock.withLock { Self.live += 1 }
        return OpaquePointer(Unmanaged.passRetained(self).toOpaque())
    }

    /// The handle behind a pointer from `opaque`; NULL is an invalid-argument error.
    static func from(_ pointer: OpaquePointer?) throws(LatentDiffError) -> ModelHandle {
        guard let pointer else { throw .invalidArgument("model is NULL") }
        return Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release(_ pointer: OpaquePointer?) {
        guard let pointer else { return }
        Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
        // After the release, so the model's own buffers are among those freed.
        if liveLock.withLock({ () -> Bool in live -= 1; return live == 0 }) { BufferCache.shared.trim() }
    }
}
