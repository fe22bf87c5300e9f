import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Where the shipped models are looked for, in order: `../share/latentdiff/models` beside the
/// running executable's directory (an installed prefix: PREFIX/bin/latentdiff and
/// PREFIX/share/latentdiff/models), then `models/` of the working directory (a source checkout).
public func shippedModelDirectories() -> [String] {
    var directories: [String] = []
    if let executable = executablePath() {
        let bin = parentDirectory(executable)
        directories.append(parentDirectory(bin) + "/share/latentdiff/models")
    }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    if getcwd(&buffer, buffer.count) != nil {
        directories.append(String(cString: buffer) + "/models")
    } else {
        directories.append("models")
    }
    return directories
}

/// The model file a `--model` option names. Nil (the option not given) means the shipped MNIST
/// model; a bare name without a slash that is not a file here ("cifar10" or
/// "cifar10.safetensors") is looked up among the shipped models. Any other value is returned as
/// given. Throws when no shipped model of that name is found, naming every place searched.
public func resolveModelPath(_ option: String?) throws -> String {
    let name: String
    if let option {
        if option.contains("/") || fileExists(option) { return option }
        name = option.hasSuffix(".safetensors") ? option : option + ".safetensors"
    } else {
        name = "mnist.safetensors"
    }
    let directories = shippedModelDirectories()
    for directory in directories where fileExists(directory + "/" + name) {
        return directory + "/" + name
    }
    let searched = directories.map { "'\($0)/\(name)'" }.joined(separator: ", ")
    let what = option.map { "'\($0)' is not a file and" } ?? "no --model given and"
    throw LatentDiffError.io("\(what) no shipped model '\(name)' found (searched \(searched)); pass --model FILE")
}

/// The running executable's absolute path, from /proc/self/exe.
func executablePath() -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return nil }
    buffer[length] = 0
    return String(cString: buffer)
}

func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

func fileExists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
}
