import Glibc
import Store
import TLS

/// Where a store's key pair lives, and loading it: a separate file beside
/// the store, `STORE.key` (PEM: the Ed25519 private key and its
/// self-signed certificate), readable by its owner only (0600). The key
/// never enters the store file and never leaves the machine: a store file
/// copied, mailed or backed up on its own cannot sync as its device, and
/// the hub's store holds only fingerprints. Back the key file up with the
/// store (same place, same protection) to restore a laptop without a new
/// enrolment code.
public enum KeyFile {
    public static func path(forStore storePath: String) -> String { Store.keyFilePath(forStore: storePath) }

    /// The store's key pair; a clear error if the file is missing or unsafe.
    public static func load(forStore storePath: String) throws -> Identity {
        let path = path(forStore: storePath)
        guard access(path, F_OK) == 0 else {
            throw SyncError("this store has no key file at \(path) (a store copied without its key, or the key was deleted); "
                            + "ask the hub's administrator for a new code ('fieldnotes hub enroll NAME --replace') and run 'fieldnotes join CODE'")
        }
        do {
            return try Identity.load(path: path)
        } catch let error as TLSError {
            throw SyncError("cannot use the key file \(path): \(error.message)")
        }
    }

    /// The store's key pair, made and saved (0600) if there is none yet.
    public static func loadOrCreate(forStore storePath: String, commonName: String) throws -> Identity {
        let path = path(forStore: storePath)
        if access(path, F_OK) == 0 { return try load(forStore: storePath) }
        do {
            let identity = try Identity.generate(commonName: commonName)
            try identity.save(path: path)
            return identity
        } catch let error as TLSError {
            throw SyncError("cannot create the key file \(path): \(error.message)")
        }
    }
}
