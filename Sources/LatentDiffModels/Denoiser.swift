import LatentDiffKernels
import LatentDiffNN

/// A network that predicts the noise (or v) in x_t. x (B, inputShape...), one timestep and one
/// class label per sample (-1 = no class; ignored by unconditional models) -> (B, inputShape...).
/// `dropout` noise turns dropout on (training); nil is inference. Read-only after construction.
public protocol Denoiser: AnyObject, Sendable {
    var config: DenoiserConfig { get }
    func callAsFunction(_ x: Tensor, timesteps: [Float], labels: [Int], dropout: DropoutNoise?) -> Tensor
}

/// The tensor-name prefix of denoiser parameters inside a model file.
public let denoiserPrefix = "denoiser"

/// Builds the denoiser `config` describes over `store`.
public func makeDenoiser(_ config: DenoiserConfig, store: ParameterStore) throws -> Denoiser {
    try config.validate()
    switch config.kind {
    case .unet: return try UNet(config: config, store: store)
    case .mlp: return try MLPDenoiser(config: config, store: store)
    }
}

/// The time (+ class) conditioning vector e (B, E):
/// e = Linear(SiLU(Linear(sinusoidal(t, w)))) + classEmbedding[label], label -1 -> the "no class" row.
struct ConditioningEmbedding {
    let sinusoidWidth: Int
    let first: Linear, second: Linear
    let classes: Embedding?
    let classCount: Int

    init(_ store: ParameterStore, _ name: String, sinusoidWidth: Int, width: Int, classCount: Int) throws {
        self.sinusoidWidth = sinusoidWidth
        first = try Linear(store, "\(name).time_fc0", inFeatures: sinusoidWidth, outFeatures: width)
        second = try Linear(store, "\(name).time_fc1", inFeatures: width, outFeatures: width)
        classes = classCount > 0 ? try Embedding(store, "\(name).class_embedding", count: classCount + 1, features: width) : nil
        self.classCount = classCount
    }

    func callAsFunction(timesteps: [Float], labels: [Int]) -> Tensor {
        let time = second(silu(first(timestepEmbedding(timesteps, dim: sinusoidWidth))))
        guard let classes else { return time }
        let rows = labels.map { (0..<classCount).contains($0) ? $0 : classCount }
        return add(time, classes(rows))
    }
}
