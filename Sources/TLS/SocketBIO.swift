import CTLS

/// The `BIO_METHOD` of the socket BIO in `CTLS/shim.h` (send with
/// `MSG_NOSIGNAL | MSG_DONTWAIT`, recv with `MSG_DONTWAIT`), built once per process.
///
/// `@unchecked Sendable`: the method is built during the thread-safe lazy
/// initialisation of `shared` and never changed or freed afterwards; OpenSSL
/// only reads it when `BIO_new` makes a BIO from it.
final class SocketBIOMethod: @unchecked Sendable {
    static let shared = SocketBIOMethod()

    /// Nil if OpenSSL could not build the method (only when out of memory).
    let method: OpaquePointer?

    private init() {
        method = fieldnotes_socket_bio_method_new()
    }

    /// A new BIO over `fd`, which it never closes.
    func makeBIO(fd: Int32) throws -> OpaquePointer {
        guard let method, let bio = BIO_new(method) else {
            throw OpenSSLErrorQueue.error(.setup, "cannot create a socket BIO")
        }
        fieldnotes_bio_attach(bio, fd)
        return bio
    }
}
