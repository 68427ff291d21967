import CTLS

/// OpenSSL's per-thread error queue (`ERR_get_error`, `ERR_error_string_n`).
enum OpenSSLErrorQueue {
    struct Entry {
        let code: UInt
        let text: String
        var library: Int32 { ERR_GET_LIB(code) }
        var reason: Int32 { ERR_GET_REASON(code) }
    }

    /// Removes every entry from this thread's queue and returns them, oldest first.
    static func drain() -> [Entry] {
        var entries: [Entry] = []
        var text = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            ERR_error_string_n(code, &text, text.count)
            let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            entries.append(Entry(code: code, text: String(decoding: bytes, as: UTF8.self)))
        }
        return entries
    }

    /// An error of `kind` saying `what`, with OpenSSL's queue (drained here) in parentheses.
    static func error(_ kind: TLSError.Kind, _ what: String) -> TLSError {
        error(kind, what, entries: drain())
    }

    static func error(_ kind: TLSError.Kind, _ what: String, entries: [Entry]) -> TLSError {
        let texts = entries.map(\.text)
        let detail = texts.isEmpty ? "" : " (OpenSSL: \(texts.joined(separator: "; ")))"
        return TLSError(kind, what + detail, openSSLErrors: texts)
    }
}
