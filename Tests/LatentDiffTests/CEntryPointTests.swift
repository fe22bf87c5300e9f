import Testing
@testable import LatentDiff

#if canImport(Glibc)
import Glibc
#endif

/// The ld_* functions called exactly as C calls them: raw pointers, status codes, ld_last_error.
@Suite struct CEntryPointTests {
    @Test func versionAndStatusNames() {
        #expect(String(cString: ld_version()) == "0.2.0")
        #expect(ld_abi_version() == 1)
        #expect(String(cString: ld_status_string(0)) == "LD_OK")
        #expect(String(cString: ld_status_string(-3)) == "LD_ERR_FORMAT")
        #expect(String(cString: ld_status_string(12345)) == "LD_ERR_UNKNOWN")
    }

    @Test func samplerNamesRoundTrip() {
        let names = ["dpm++", "ddim", "ddpm", "euler", "euler-a", "heun", "dpm++3m"]
        for (value, name) in names.enumerated() {
            #expect(ld_sampler_name(UInt32(value)).map { String(cString: $0) } == name)
            var sampler: UInt32 = 99
            #expect(ld_sampler_from_name(name, &sampler) == 0)
            #expect(sampler == UInt32(value))
        }
        #expect(ld_sampler_name(7) == nil)
        #expect(ld_sampler_name(UInt32(bitPattern: -1)) == nil)
        var sampler: UInt32 = 99
        #expect(ld_sampler_from_name("DPM++", &sampler) == -1)
        #expect(String(cString: ld_last_error()).contains("unknown sampler 'DPM++'"))
        #expect(ld_sampler_from_name(nil, &sampler) == -1)
        #expect(ld_sampler_from_name("ddim", nil) == -1)
        #expect(sampler == 99, "untouched on failure")
    }

    @Test func pngRoundTripThroughTheABI() {
        let path = "/tmp/latentdiff-abi-\(getpid()).png"
        defer { unlink(path) }
        var pixels = [UInt8](repeating: 0, count: 6 * 4 * 3)
        for i in pixels.indices { pixels[i] = UInt8(i % 251) }
        #expect(ld_write_png(path, pixels, 6, 4, 3) == 0)
        var out: UnsafeMutablePointer<UInt8>? = nil
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        #expect(ld_read_png(path, 0, &out, &w, &h, &c) == 0)
        #expect((w, h, c) == (6, 4, 3))
        if let out {
            #expect(Array(UnsafeBufferPointer(start: out, count: pixels.count)) == pixels)
        }
        ld_free_pixels(out)
        ld_free_pixels(nil)
    }

    @Test func errorsReturnCodesAndMessages() {
        var out: UnsafeMutablePointer<UInt8>? = nil
        #expect(ld_read_png(nil, 0, &out, nil, nil, nil) == -1)
        #expect(String(cString: ld_last_error()).contains("path is NULL"))
        #expect(ld_read_png("/nonexistent/x.png", 0, &out, nil, nil, nil) == -2)
        #expect(String(cString: ld_last_error()).contains("/nonexistent/x.png"))
        #expect(ld_read_png("/tmp", 7, &out, nil, nil, nil) == -1)
        #expect(ld_write_png("/tmp/x.png", nil, 1, 1, 1) == -1)
        #expect(out == nil, "outputs are untouched on failure")
    }

    @Test func lastErrorIsPerThread() async {
        _ = ld_write_png(nil, nil, 1, 1, 1)
        let here = String(cString: ld_last_error())
        var thread = pthread_t()
        let box = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
        defer { box.deallocate() }
        pthread_create(&thread, nil, { arg in
            let out = arg!.assumingMemoryBound(to: CChar.self)
            strncpy(out, ld_last_error(), 255)
            return nil
        }, box)
        pthread_join(thread, nil)
        #expect(here.contains("path is NULL"))
        #expect(String(cString: box) == "", "another thread has no error of its own")
    }
}
