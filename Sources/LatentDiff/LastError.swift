import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// The per-thread text behind `ld_last_error()`: a malloc'd C string kept in a pthread key,
/// freed when replaced or when the thread exits.
let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
}()

func setLastError(_ message: String) {
    let previous = pthread_getspecific(lastErrorKey)
    pthread_setspecific(lastErrorKey, strdup(message))
    free(previous)
}

/// Runs `body` and converts a thrown `LatentDiffError` into its `ld_status`, storing the message.
func withStatus(_ function: String, _ body: () throws(LatentDiffError) -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch {
        setLastError("\(function): \(error.message)")
        return error.status.rawValue
    }
}

/// Throws `invalidArgument` naming `name` when `pointer` is NULL; returns it unwrapped otherwise.
func required<T>(_ pointer: T?, _ name: String) throws(LatentDiffError) -> T {
    guard let pointer else { throw .invalidArgument("\(name) is NULL") }
    return pointer
}
