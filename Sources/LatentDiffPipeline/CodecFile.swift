import LatentDiffDiffusion
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// The codec of a codec file (train-codec) or of a full model file.
public func loadCodec(path: String) throws -> (file: ModelFile, codec: Codec) {
    let file = try ModelFile.read(path: path)
    let codecTensors = file.tensors.filter { $0.name.hasPrefix(codecPrefix + ".") }
    var byName: [String: Tensor] = [:]
    for (name, tensor) in codecTensors { byName[name] = tensor }
    let store = ParameterStore(tensors: byName, requiresGrad: false)
    let codec: Codec
    do {
        codec = try makeCodec(file.config.codec, store: store)
    } catch let error as LatentDiffError {
        throw LatentDiffError.format("'\(path)': \(error.message)")
    }
    if let unexpected = store.unusedNames.first {
        throw LatentDiffError.format("'\(path)': unexpected codec tensor '\(unexpected)'")
    }
    return (file, codec)
}
