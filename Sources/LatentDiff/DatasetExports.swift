import CLatentDiffABI
import LatentDiffIO
import LatentDiffKernels

@c public func ld_dataset_check(
    _ directory: UnsafePointer<CChar>?, _ kind: UnsafePointer<CChar>?, _ split: UInt32,
    _ outCount: UnsafeMutablePointer<Int64>?
) -> Int32 {
    withStatus("ld_dataset_check") { () throws(LatentDiffError) in
        let directory = String(cString: try required(directory, "directory"))
        let name = String(cString: try required(kind, "kind"))
        guard let kind = Dataset.Kind.parse(name) else {
            throw .invalidArgument("unknown data set kind '\(name)': \(Dataset.Kind.all.map(\.name).joined(separator: ", "))")
        }
        let splits: [UInt32: Dataset.Split] = [LD_SPLIT_TRAIN.rawValue: .train, LD_SPLIT_TEST.rawValue: .test]
        guard let split = splits[split] else { throw .invalidArgument("split must be LD_SPLIT_TRAIN (0) or LD_SPLIT_TEST (1), not \(Int32(bitPattern: split))") }
        let count = try Dataset.load(kind, directory: directory, split: split).count
        outCount?.pointee = Int64(count)
    }
}
