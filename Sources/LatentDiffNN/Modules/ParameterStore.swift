import LatentDiffKernels

/// How a new parameter's values are drawn.
public enum Initializer: Sendable {
    case zeros
    case ones
    /// Normal with mean 0 and standard deviation `std`.
    case normal(std: Float)
    /// Uniform on [-bound, bound).
    case uniform(bound: Float)
}

/// The named parameters of a module tree, in the order modules asked for them.
///
/// Names are dotted paths (`encoder.conv_in.weight`). A store either creates parameters, with
/// seeded values (Philox keyed by the seed, stream = FNV-1a of the name, so a parameter's values
/// depend on its name only, never on creation order), or serves existing tensors by name (EMA
/// weights, weights read from a file), so one module tree definition builds over either.
public final class ParameterStore {
    /// Whether the parameters this store hands out require gradients.
    public let requiresGrad: Bool
    private let seed: UInt64
    /// Tensors to serve by name instead of creating; nil for a store that creates.
    private let existing: [String: Tensor]?
    private var byName: [String: Tensor] = [:]
    /// Parameter names in creation order.
    public private(set) var names: [String] = []

    /// A store that creates freshly initialized parameters from `seed`.
    public init(seed: UInt64, requiresGrad: Bool = true) {
        self.seed = seed
        self.requiresGrad = requiresGrad
        existing = nil
    }

    /// A store that serves `tensors` by name. A tensor whose `requiresGrad` matches is served
    /// itself (shared, e.g. live EMA weights); otherwise a copy with this store's setting.
    public init(tensors: [String: Tensor], requiresGrad: Bool = false) {
        seed = 0
        self.requiresGrad = requiresGrad
        existing = tensors
    }

    /// The parameters in creation order.
    public var parameters: [Tensor] { names.compactMap { byName[$0] } }

    /// The parameter called `name`, if a module has asked for it.
    public subscript(name: String) -> Tensor? { byName[name] }

    /// Names among the served tensors that no module asked for (a loader reports them as unexpected).
    public var unusedNames: [String] {
        (existing?.keys.filter { byName[$0] == nil } ?? []).sorted()
    }

    /// The parameter `name` of `shape`: created with `initializer`, or served from the given tensors.
    /// Throws when a served store lacks the name or holds another shape, or when a name repeats.
    public func parameter(_ name: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        guard byName[name] == nil else {
            throw LatentDiffError.invalidArgument("parameter '\(name)' defined twice")
        }
        let tensor: Tensor
        if let existing {
            guard let found = existing[name] else { throw LatentDiffError.format("missing tensor '\(name)'") }
            guard found.shape == shape else {
                throw LatentDiffError.format("tensor '\(name)' has shape \(found.shape), expected \(shape)")
            }
            if found.requiresGrad == requiresGrad {
                tensor = found
            } else {
                tensor = Tensor(zeros: shape, requiresGrad: requiresGrad)
                tensor.copyValues(from: found)
            }
        } else {
            tensor = Tensor(zeros: shape, requiresGrad: requiresGrad)
            fill(tensor, initializer, stream: fnv1a64(name))
        }
        byName[name] = tensor
        names.append(name)
        return tensor
    }

    /// `prefix.leaf`, or `leaf` alone when the prefix is empty.
    public static func join(_ prefix: String, _ leaf: String) -> String {
        prefix.isEmpty ? leaf : prefix + "." + leaf
    }

    private func fill(_ tensor: Tensor, _ initializer: Initializer, stream: UInt64) {
        let philox = Philox(seed: seed)
        switch initializer {
        case .zeros:
            break
        case .ones:
            tensor.data.update(repeating: 1, count: tensor.count)
        case .normal(let std):
            philox.fillNormals(tensor.data, count: tensor.count, stream: stream)
            for i in 0..<tensor.count { tensor.data[i] *= std }
        case .uniform(let bound):
            philox.fillUniforms(tensor.data, count: tensor.count, stream: stream)
            for i in 0..<tensor.count { tensor.data[i] = (2 * tensor.data[i] - 1) * bound }
        }
    }
}
