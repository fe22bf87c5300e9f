import LatentDiffKernels

/// A dense Float32 tensor in row-major order, with an optional gradient and, when it was made by
/// an op from inputs that require gradients, the step that sends its gradient back to them.
///
/// Tensors are reference types: ops read `data` of their inputs and write a new output. A tensor
/// whose `requiresGrad` is false records nothing, so inference (sampling) keeps no graph at all.
/// Reading one tensor from many threads at once is safe; writing is the owner's business.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    /// The values, `count` floats, row-major over `shape`.
    public let data: UnsafeMutablePointer<Float>
    /// d(loss)/d(self), allocated (zeroed) when backward first reaches this tensor.
    public private(set) var grad: UnsafeMutablePointer<Float>?
    /// Whether gradients flow to (and through) this tensor.
    public let requiresGrad: Bool
    /// How this tensor was computed, for backward; nil for leaves and tensors made without grad.
    var node: Node?
    /// The tensor whose `data` this one shares (a reshape view); nil when this tensor owns `data`.
    private let base: Tensor?

    struct Node {
        let inputs: [Tensor]
        /// Reads `output.grad` and adds to the gradients of `inputs` that require them.
        let backward: (_ output: Tensor) -> Void
    }

    /// A zero-filled tensor.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(uninitialized: shape, requiresGrad: requiresGrad)
        zeroFill(data, count: max(count, 1))
    }

    /// A tensor whose values the caller writes, every one, before anything reads them.
    init(uninitialized shape: [Int], requiresGrad: Bool) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.requiresGrad = requiresGrad
        base = nil
        data = BufferCache.shared.allocate(max(count, 1))
    }

    /// A view of `base`'s values under another shape with the same element count (no copy).
    /// It has its own gradient; the reshape op sends it back to `base`.
    init(viewing base: Tensor, shape: [Int]) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        precondition(count == base.count, "view: shape \(shape) for \(base.shape)")
        self.requiresGrad = base.requiresGrad
        self.base = base
        data = base.data
    }

    /// A tensor holding `values` (row-major); `values.count` must equal the product of `shape`.
    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        self.init(zeros: shape, requiresGrad: requiresGrad)
        precondition(values.count == count, "Tensor: \(values.count) values for shape \(shape)")
        for i in 0..<count { data[i] = values[i] }
    }

    /// A tensor filled with one value.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        self.init(zeros: shape, requiresGrad: requiresGrad)
        data.update(repeating: value, count: count)
    }

    deinit {
        if base == nil { BufferCache.shared.release(data, count: max(count, 1)) }
        if let grad { BufferCache.shared.release(grad, count: max(count, 1)) }
    }

    public var rank: Int { shape.count }
    public var scalar: Float { data[0] }
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    public var gradValues: [Float]? { grad.map { Array(UnsafeBufferPointer(start: $0, count: count)) } }

    /// The gradient buffer, allocated and zeroed on first use.
    public func gradBuffer() -> UnsafeMutablePointer<Float> {
        if let grad { return grad }
        let buffer = BufferCache.shared.allocate(max(count, 1))
        zeroFill(buffer, count: max(count, 1))
        grad = buffer
        return buffer
    }

    /// Sets the gradient to zero (keeping its buffer).
    public func zeroGrad() {
        grad.map { zeroFill($0, count: count) }
    }

    /// A copy of the values that records no history and requires no gradient.
    public func detached() -> Tensor {
        let copy = Tensor(zeros: shape)
        copy.data.update(from: data, count: count)
        return copy
    }

    /// Copies the values of `other` (same element count) into this tensor.
    public func copyValues(from other: Tensor) {
        precondition(other.count == count, "copyValues: \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }
}

extension Tensor {
    /// Whether an op on `inputs` records nothing (none requires a gradient): inference, whose
    /// products use the fixed summation order so a sample's bits do not depend on its batch.
    static func isInference(_ inputs: [Tensor]) -> Bool { !inputs.contains { $0.requiresGrad } }

    /// Makes the output of an op. `forward` fills the output, zeroed first unless `overwrites` says
    /// that `forward` writes every element; when any input requires a gradient, `backward` is
    /// recorded and will be called with the output once its gradient is known.
    static func make(
        shape: [Int], inputs: [Tensor], overwrites: Bool = false,
        forward: (UnsafeMutablePointer<Float>) -> Void,
        backward: @escaping (_ output: Tensor) -> Void
    ) -> Tensor {
        let tracked = !isInference(inputs)
        let output = overwrites
            ? Tensor(uninitialized: shape, requiresGrad: tracked) : Tensor(zeros: shape, requiresGrad: tracked)
        forward(output.data)
        if tracked { output.node = Node(inputs: inputs, backward: backward) }
        return output
    }

    /// Reverse-mode differentiation from this tensor: seeds d(self)/d(self) = 1 (self must hold one
    /// value, or pass `seed` of the same count), visits the recorded graph in reverse topological
    /// order and accumulates into `grad` of every tensor that requires one. The graph is released
    /// afterwards; leaves (parameters) keep their gradients until `zeroGrad`.
    public func backward(seed: [Float]? = nil) {
        guard requiresGrad else { return }
        let g = gradBuffer()
        if let seed {
            precondition(seed.count == count, "backward: seed of \(seed.count) values for \(count)")
            for i in 0..<count { g[i] += seed[i] }
        } else {
            precondition(count == 1, "backward without a seed needs a single value, not \(shape)")
            g[0] += 1
        }
        let order = topologicalOrder()
        for tensor in order.reversed() {
            tensor.node?.backward(tensor)
        }
        for tensor in order where tensor.node != nil {
            tensor.node = nil
            if tensor !== self { tensor.releaseGrad() }
        }
    }

    /// Tensors reachable from this one through recorded nodes, each after all of its inputs.
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first search: (tensor, inputs already pushed).
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }

    private func releaseGrad() {
        if let grad { BufferCache.shared.release(grad, count: max(count, 1)) }
        grad = nil
    }
}
