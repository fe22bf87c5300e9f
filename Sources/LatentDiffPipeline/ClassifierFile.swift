import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// Classifier files: safetensors with the configuration in `__metadata__["latentdiff_classifier"]`
/// and the test accuracy in `__metadata__["test_accuracy"]`.
public enum ClassifierFile {
    static let configKey = "latentdiff_classifier"

    public static func write(_ classifier: Classifier, testAccuracy: Double, path: String) throws(LatentDiffError) {
        let tensors = classifier.parameters.names.compactMap { name in
            classifier.parameters[name].map { SafeTensorsFile.Tensor(name: name, shape: $0.shape, values: $0.values) }
        }
        try SafeTensorsFile(tensors: tensors, metadata: [
            (configKey, classifier.config.json.serialized()), ("test_accuracy", "\(testAccuracy)"),
        ]).write(path: path)
    }

    public static func read(path: String) throws -> (classifier: Classifier, testAccuracy: Double?) {
        let file = try SafeTensorsFile.read(path: path)
        guard let text = file.metadataValue(forKey: configKey) else {
            throw LatentDiffError.format("'\(path)' is not a LatentDiff classifier (train one with `latentdiff train-classifier`)")
        }
        let config = try Classifier.Config(json: try JSON.parse(text))
        var tensors: [String: Tensor] = [:]
        for tensor in file.tensors { tensors[tensor.name] = Tensor(shape: tensor.shape, values: tensor.values) }
        let store = ParameterStore(tensors: tensors, requiresGrad: false)
        let classifier = try Classifier(config: config, store: store)
        if let unexpected = store.unusedNames.first { throw LatentDiffError.format("'\(path)': unexpected tensor '\(unexpected)'") }
        return (classifier, file.metadataValue(forKey: "test_accuracy").flatMap(Double.init))
    }
}
